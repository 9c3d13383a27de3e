package org.hourglass.executor.internal;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.util.EnumSet;
import org.hourglass.api.executor.Device;
import org.hourglass.api.executor.ExecutorException;

/** Decides which execution provider the executor uses, and says why. */
record DeviceChoice(Device active, String reason) {

    static DeviceChoice choose(OrtEnvironment env, ExecutorSettings settings, EnumSet<OrtProvider> available) {
        boolean cudaBuild = available.contains(OrtProvider.CUDA);
        switch (settings.device()) {
            case CPU:
                return new DeviceChoice(Device.CPU, "device=cpu configured");
            case CUDA: {
                if (!cudaBuild) {
                    throw new ExecutorException("device=cuda is configured, but the deployed ONNX Runtime build has no "
                            + "CUDA execution provider (available: " + available + "). Deploy the GPU build "
                            + "(build with -Pgpu) or set device=auto or device=cpu.");
                }
                String failure = probeCuda(env, settings.deviceId());
                if (failure != null) {
                    throw new ExecutorException("device=cuda is configured, but CUDA device " + settings.deviceId()
                            + " did not answer: " + failure + ". Set device=auto or device=cpu to run on the CPU.");
                }
                return new DeviceChoice(Device.CUDA, "device=cuda configured; CUDA device " + settings.deviceId()
                        + " answered");
            }
            case AUTO:
            default: {
                if (!cudaBuild) {
                    return new DeviceChoice(Device.CPU, "device=auto: the deployed ONNX Runtime build is CPU-only");
                }
                String failure = probeCuda(env, settings.deviceId());
                if (failure != null) {
                    return new DeviceChoice(Device.CPU, "device=auto: CUDA build deployed but device "
                            + settings.deviceId() + " did not answer (" + failure + "); using CPU");
                }
                return new DeviceChoice(Device.CUDA, "device=auto: CUDA device " + settings.deviceId() + " answered");
            }
        }
    }

    /** Opens a one-node session on the CUDA provider; returns null on success, else the failure. */
    private static String probeCuda(OrtEnvironment env, int deviceId) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.addCUDA(deviceId);
            try (OrtSession session = env.createSession(identityModel(), options)) {
                return null;
            }
        } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /** Smallest valid model: y = Identity(x), float[1]. */
    static byte[] identityModel() {
        OnnxMl.TypeProto type = OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(OnnxMl.TensorShapeProto.newBuilder()
                                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(1))))
                .build();
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder()
                .setName("probe")
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Identity").addInput("x").addOutput("y"))
                .addInput(OnnxMl.ValueInfoProto.newBuilder().setName("x").setType(type))
                .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName("y").setType(type))
                .build();
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph)
                .build()
                .toByteArray();
    }
}
