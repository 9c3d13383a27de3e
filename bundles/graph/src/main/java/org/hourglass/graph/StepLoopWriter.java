package org.hourglass.graph;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes the run-of-steps model of a {@link TrainStepModel}: the train step as the body of one ONNX {@code Loop}
 * over K batches, so that parameters and optimizer state stay inside ONNX Runtime between steps (on a GPU they
 * never leave the device) and the per-run work of the host is paid once per K steps.
 *
 * <p>The body is the step graph with every name prefixed by {@value #BODY}, so nothing in it shadows a name of
 * the outer graph; it takes batch {@code i} of each {@code steps/} input with a {@code Gather} and computes its step
 * number as {@code first_step + i}. The state is the loop-carried value; losses, metrics and diagnostics are the
 * loop's scan outputs, stacked per step.
 */
final class StepLoopWriter {

    static final String BODY = "body/";

    private StepLoopWriter() {
    }

    static OnnxMl.ModelProto write(TrainStepModel m) {
        OnnxMl.GraphProto step = m.proto().getGraph();
        List<String> state = m.stateNames();
        List<String> perStep = new ArrayList<>();
        for (TrainStepModel.DataInput d : m.dataInputs()) {
            perStep.add(d.name());
        }
        for (TrainStepModel.RandomInput r : m.randomInputs()) {
            perStep.add(r.name());
        }
        List<String> scanned = new ArrayList<>();
        scanned.add(TrainStepModel.LOSS);
        for (String metric : m.metrics()) {
            scanned.add(TrainStepModel.METRIC_PREFIX + metric);
        }
        for (OnnxMl.ValueInfoProto out : step.getOutputList()) {
            String name = out.getName();
            if (name.startsWith(TrainStepModel.METRIC_PREFIX) && !scanned.contains(name)
                    || name.startsWith(TrainStepModel.DIAGNOSTIC_PREFIX)) {
                scanned.add(name); // grad_norm and diagnostics
            }
        }

        OnnxMl.GraphProto.Builder body = OnnxMl.GraphProto.newBuilder().setName("train-step-body");
        body.addInput(scalarInfo(BODY + "iter", OnnxMl.TensorProto.DataType.INT64_VALUE));
        body.addInput(scalarInfo(BODY + "cond", OnnxMl.TensorProto.DataType.BOOL_VALUE));
        for (String s : state) {
            body.addInput(prefixed(input(step, s)));
        }
        for (OnnxMl.TensorProto init : step.getInitializerList()) {
            body.addInitializer(init.toBuilder().setName(BODY + init.getName()));
        }
        // Batch i of each per-step input, this step's learning rate and its 1-based number.
        for (String name : perStep) {
            body.addNode(node("Gather", BODY + "gather/" + name, List.of(TrainStepModel.STEPS_PREFIX + name, BODY + "iter"),
                    BODY + name));
        }
        body.addNode(node("Gather", BODY + "gather/lr", List.of(TrainStepModel.STEP_LRS, BODY + "iter"),
                BODY + TrainStepModel.LR));
        int ft = m.floatType().onnxCode();
        body.addNode(node("Cast", BODY + "iter/cast", List.of(BODY + "iter"), BODY + "iter/float").toBuilder()
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("to")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(ft)).build());
        body.addNode(node("Add", BODY + "step", List.of(TrainStepModel.FIRST_STEP, BODY + "iter/float"),
                BODY + TrainStepModel.STEP));
        for (OnnxMl.NodeProto n : step.getNodeList()) {
            OnnxMl.NodeProto.Builder nb = n.toBuilder().clearInput().clearOutput().setName(BODY + n.getName());
            for (String in : n.getInputList()) {
                nb.addInput(in.isEmpty() ? in : BODY + in);
            }
            for (String out : n.getOutputList()) {
                nb.addOutput(out.isEmpty() ? out : BODY + out);
            }
            body.addNode(nb);
        }
        body.addNode(node("Identity", BODY + "cond/out", List.of(BODY + "cond"), BODY + "cond/out"));
        body.addOutput(scalarInfo(BODY + "cond/out", OnnxMl.TensorProto.DataType.BOOL_VALUE));
        for (String s : state) {
            body.addOutput(prefixed(output(step, TrainStepModel.NEXT_PREFIX + s)));
        }
        for (String s : scanned) {
            body.addOutput(prefixed(output(step, s)));
        }

        OnnxMl.GraphProto.Builder outer = OnnxMl.GraphProto.newBuilder().setName("train-steps");
        for (String name : perStep) {
            outer.addInput(stacked(input(step, name), TrainStepModel.STEPS_PREFIX + name));
        }
        for (String s : state) {
            outer.addInput(input(step, s));
        }
        outer.addInput(input(step, TrainStepModel.STEP).toBuilder().setName(TrainStepModel.FIRST_STEP));
        outer.addInput(stacked(input(step, TrainStepModel.LR), TrainStepModel.STEP_LRS));
        outer.addNode(node("Size", "loop/count", List.of(TrainStepModel.STEP_LRS), "loop/count"));
        OnnxMl.NodeProto.Builder loop = OnnxMl.NodeProto.newBuilder().setOpType("Loop").setName("loop")
                .addInput("loop/count").addInput("");
        for (String s : state) {
            loop.addInput(s);
        }
        for (String s : state) {
            loop.addOutput(TrainStepModel.NEXT_PREFIX + s);
        }
        for (String s : scanned) {
            loop.addOutput(TrainStepModel.STEPS_PREFIX + s);
        }
        loop.addAttribute(OnnxMl.AttributeProto.newBuilder().setName("body")
                .setType(OnnxMl.AttributeProto.AttributeType.GRAPH).setG(body));
        outer.addNode(loop);
        for (String s : state) {
            outer.addOutput(output(step, TrainStepModel.NEXT_PREFIX + s));
        }
        for (String s : scanned) {
            outer.addOutput(stacked(output(step, s), TrainStepModel.STEPS_PREFIX + s));
        }
        checkNoShadowing(outer.build(), body.build());
        return m.proto().toBuilder().setGraph(outer).build();
    }

    /** ONNX forbids a subgraph to define a name of its outer graph; refuse odd parameter names that would. */
    private static void checkNoShadowing(OnnxMl.GraphProto outer, OnnxMl.GraphProto body) {
        Set<String> outerNames = new HashSet<>();
        outer.getInputList().forEach(v -> outerNames.add(v.getName()));
        outer.getNodeList().forEach(n -> outerNames.addAll(n.getOutputList()));
        List<String> bodyNames = new ArrayList<>();
        body.getInputList().forEach(v -> bodyNames.add(v.getName()));
        body.getInitializerList().forEach(t -> bodyNames.add(t.getName()));
        body.getNodeList().forEach(n -> bodyNames.addAll(n.getOutputList()));
        for (String name : bodyNames) {
            if (outerNames.contains(name)) {
                throw new IllegalStateException("cannot loop this train step: its name '" + name.substring(BODY.length())
                        + "' prefixed for the loop body equals the outer value '" + name + "'; rename that scope");
            }
        }
    }

    private static OnnxMl.ValueInfoProto input(OnnxMl.GraphProto g, String name) {
        return named(g.getInputList(), name, "input");
    }

    private static OnnxMl.ValueInfoProto output(OnnxMl.GraphProto g, String name) {
        return named(g.getOutputList(), name, "output");
    }

    private static OnnxMl.ValueInfoProto named(List<OnnxMl.ValueInfoProto> values, String name, String kind) {
        return values.stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow(
                () -> new IllegalStateException("train-step model has no " + kind + " '" + name + "'"));
    }

    private static OnnxMl.ValueInfoProto prefixed(OnnxMl.ValueInfoProto v) {
        return v.toBuilder().setName(BODY + v.getName()).build();
    }

    /** The same tensor type with a leading dynamic "steps" dimension. */
    private static OnnxMl.ValueInfoProto stacked(OnnxMl.ValueInfoProto v, String name) {
        OnnxMl.TypeProto.Tensor t = v.getType().getTensorType();
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("steps"));
        shape.addAllDim(t.getShape().getDimList());
        return v.toBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                t.toBuilder().setShape(shape))).build();
    }

    private static OnnxMl.ValueInfoProto scalarInfo(String name, int elemType) {
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(elemType)
                        .setShape(OnnxMl.TensorShapeProto.newBuilder()))).build();
    }

    private static OnnxMl.NodeProto node(String op, String name, List<String> inputs, String output) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).build();
    }
}
