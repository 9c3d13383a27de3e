package org.hourglass.graph;

import ai.onnx.proto.OnnxMl;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One training step as one ONNX model, with its naming convention:
 * <ul>
 *   <li>inputs: data inputs (by their graph names), random inputs (by name), parameters (by parameter name, e.g.
 *       {@code encoder/fc1/weight}), optimizer state {@code opt/<slot>/<param>} (e.g. {@code opt/m/encoder/fc1/weight}),
 *       {@value #STEP} (float scalar, 1 for the first step) and {@value #LR} (float scalar);</li>
 *   <li>outputs: {@value #LOSS}, {@code metric/<name>} for each metric, {@code diag/<name>} for each diagnostic,
 *       and {@code next/<state>} for every parameter, buffer and optimizer state input: feed {@code next/X} back as
 *       {@code X} in the next step.</li>
 * </ul>
 */
public final class TrainStepModel {

    /** Output: the scalar loss. */
    public static final String LOSS = "loss";
    /** Prefix of metric outputs. */
    public static final String METRIC_PREFIX = "metric/";
    /** Prefix of diagnostic outputs (averaged per epoch by the training loop). */
    public static final String DIAGNOSTIC_PREFIX = "diag/";
    /** Prefix of updated state outputs: {@code next/X} is the next value of input {@code X}. */
    public static final String NEXT_PREFIX = "next/";
    /** Input: the 1-based step number (float scalar), for Adam's bias correction. */
    public static final String STEP = "opt/step";
    /** Input: the learning rate of this step (float scalar). */
    public static final String LR = "opt/lr";
    /** Prefix of optimizer state inputs: {@code opt/<slot>/<param>}. */
    public static final String OPT_PREFIX = "opt/";

    /** Prefix of the run-of-steps model's stacked inputs and outputs: {@code steps/x} holds batch i at index i. */
    public static final String STEPS_PREFIX = "steps/";
    /** Run-of-steps input: the 1-based number of the run's first step (float scalar). */
    public static final String FIRST_STEP = "loop/first_step";
    /** Run-of-steps input: the learning rate of each step of the run, {@code [K]}. */
    public static final String STEP_LRS = STEPS_PREFIX + LR;

    /** A data input: name, element type and shape (a dynamic first dimension takes the batch size). */
    public record DataInput(String name, DType dtype, Shape shape) {
    }

    /** A random input, drawn in Java each step. */
    public record RandomInput(String name, Shape shape, Noise noise) {
    }

    private final OnnxMl.ModelProto proto;
    private final List<DataInput> dataInputs;
    private final List<RandomInput> randomInputs;
    private final List<String> params;
    private final Map<String, HostTensor> initialState;
    private final List<String> metrics;
    private final Map<String, long[]> diagnostics;
    private final DType floatType;
    private final Optimizer optimizer;
    private OnnxMl.ModelProto loopProto;

    TrainStepModel(OnnxMl.ModelProto proto, List<DataInput> dataInputs, List<RandomInput> randomInputs,
                   List<String> params, Map<String, HostTensor> initialState, List<String> metrics,
                   Map<String, long[]> diagnostics, DType floatType, Optimizer optimizer) {
        this.proto = proto;
        this.dataInputs = List.copyOf(dataInputs);
        this.randomInputs = List.copyOf(randomInputs);
        this.params = List.copyOf(params);
        this.initialState = Collections.unmodifiableMap(new LinkedHashMap<>(initialState));
        this.metrics = List.copyOf(metrics);
        this.diagnostics = Collections.unmodifiableMap(new LinkedHashMap<>(diagnostics));
        this.floatType = floatType;
        this.optimizer = optimizer;
    }

    /** The model. */
    public OnnxMl.ModelProto proto() {
        return proto;
    }

    public List<DataInput> dataInputs() {
        return dataInputs;
    }

    public List<RandomInput> randomInputs() {
        return randomInputs;
    }

    /** Parameter and buffer names (inputs, and {@code next/} outputs), trainable ones first. */
    public List<String> params() {
        return params;
    }

    /** Names of every state input (parameters, buffers, then optimizer state) in model order. */
    public List<String> stateNames() {
        return List.copyOf(initialState.keySet());
    }

    /** Initial values of all state inputs: parameter initializers and zero optimizer state. */
    public Map<String, HostTensor> initialState() {
        return initialState;
    }

    /** Metric names (outputs {@code metric/<name>}). */
    public List<String> metrics() {
        return metrics;
    }

    /** Diagnostic names (outputs {@code diag/<name>}) and their shapes. */
    public Map<String, long[]> diagnostics() {
        return diagnostics;
    }

    /** FLOAT or DOUBLE: the type of parameters, state, step and learning rate. */
    public DType floatType() {
        return floatType;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /**
     * The run-of-steps model: this step as the body of one ONNX {@code Loop} over K batches, so that K steps take
     * one run and the state stays inside ONNX Runtime in between. Inputs: {@code steps/<x>} for each data and
     * random input, stacked {@code [K, batch, ...]}; the state inputs as in the step model; {@value #FIRST_STEP};
     * {@value #STEP_LRS} (K is its length). Outputs: {@code next/<state>} after the K steps, and
     * {@code steps/loss}, {@code steps/metric/<name>}, {@code steps/diag/<name>} stacked per step. The same
     * arithmetic as K runs of {@link #proto()}.
     */
    public synchronized OnnxMl.ModelProto loopProto() {
        if (loopProto == null) {
            loopProto = StepLoopWriter.write(this);
        }
        return loopProto;
    }
}
