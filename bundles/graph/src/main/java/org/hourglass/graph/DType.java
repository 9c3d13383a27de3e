package org.hourglass.graph;

/** Element types the graph engine uses, with their ONNX {@code TensorProto.DataType} codes. */
public enum DType {
    FLOAT(1, 4),
    DOUBLE(11, 8),
    INT64(7, 8),
    INT32(6, 4),
    BOOL(9, 1);

    private final int onnxCode;
    private final int bytes;

    DType(int onnxCode, int bytes) {
        this.onnxCode = onnxCode;
        this.bytes = bytes;
    }

    /** The ONNX {@code TensorProto.DataType} number. */
    public int onnxCode() {
        return onnxCode;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** True for FLOAT and DOUBLE: the types gradients flow through. */
    public boolean isFloating() {
        return this == FLOAT || this == DOUBLE;
    }

    static DType fromOnnx(int code) {
        for (DType t : values()) {
            if (t.onnxCode == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported ONNX element type " + code);
    }
}
