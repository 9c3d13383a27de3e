package org.hourglass.graph;

/** Layers with their own parameters, built from {@link Ops}: a dense layer and a multi-layer perceptron. */
public final class Layers {

    private Layers() {
    }

    /** Activation functions for {@link #mlp}. */
    public enum Activation { RELU, TANH, SIGMOID, GELU, NONE }

    /**
     * A dense layer {@code x @ W + b} with {@code W [in, out]} ({@code init}) and {@code b [out]} (zeros) as
     * parameters {@code name/weight} and {@code name/bias} of {@code x}'s graph; one Gemm node, so ORT can fuse a
     * following ReLU.
     */
    public static Tensor linear(String name, Tensor x, long out, Init init) {
        if (x.rank() != 2) {
            throw new IllegalArgumentException("linear '" + name + "': input must be [batch, features], got " + x.shape());
        }
        long in = x.shape().dim(1);
        if (in == Shape.DYNAMIC) {
            throw new IllegalArgumentException("linear '" + name + "': the feature dimension of " + x + " must be static");
        }
        Graph g = x.graph();
        try (Graph.Scope s = g.scope(name)) {
            Tensor w = g.param("weight", Shape.of(in, out), init);
            Tensor b = g.param("bias", Shape.of(out), Init.zeros());
            return Ops.gemm(x, w, b, 1.0, 1.0, false, false);
        }
    }

    /** Applies an activation. */
    public static Tensor activate(Tensor x, Activation a) {
        switch (a) {
            case RELU: return Ops.relu(x);
            case TANH: return Ops.tanh(x);
            case SIGMOID: return Ops.sigmoid(x);
            case GELU: return Ops.gelu(x);
            default: return x;
        }
    }

    /**
     * A multi-layer perceptron: {@code linear name/fc<i>} for each width, {@code hidden} after every layer but the
     * last, {@code last} after the last. He init for ReLU/GELU layers, Xavier otherwise.
     */
    public static Tensor mlp(String name, Tensor x, long[] widths, Activation hidden, Activation last) {
        try (Graph.Scope s = x.graph().scope(name)) {
            Tensor h = x;
            for (int i = 0; i < widths.length; i++) {
                Activation act = i == widths.length - 1 ? last : hidden;
                Init init = act == Activation.RELU || act == Activation.GELU ? Init.heUniform() : Init.xavierUniform(1.0);
                h = activate(linear("fc" + (i + 1), h, widths[i], init), act);
            }
            return h;
        }
    }
}
