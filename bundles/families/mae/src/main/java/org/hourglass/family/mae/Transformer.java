package org.hourglass.family.mae;

import java.util.ArrayList;
import java.util.List;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Init;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;

/**
 * Transformer building blocks on token tensors {@code [N, T, D]} (N dynamic, T and D static), built from plain graph
 * ops so the engine's gradient rules cover them. Parameters are created once (through a {@link Params} source) and
 * applied as often as needed: the inference graph runs the encoder on all patches and again on masked views.
 */
final class Transformer {

    private Transformer() {
    }

    /** Creates a parameter; the family passes {@link Graph#param}, tests pass differentiable inputs. */
    @FunctionalInterface
    interface Params {
        Tensor create(String name, Shape shape, Init init);

        static Params of(Graph g) {
            return g::param;
        }
    }

    /** A dense layer {@code x W + b} applied to the last dimension of a rank-3 tensor. */
    record Dense(Tensor weight, Tensor bias) {

        static Dense create(Params p, String name, long in, long out) {
            return new Dense(p.create(name + "/weight", Shape.of(in, out), Init.xavierUniform(1.0)),
                    p.create(name + "/bias", Shape.of(out), Init.zeros()));
        }

        long out() {
            return weight.shape().dim(1);
        }

        /** {@code [N, T, in] -> [N, T, out]}: one Gemm on {@code [N*T, in]}. */
        Tensor apply(Graph g, Tensor x) {
            long t = x.shape().dim(1);
            Tensor flat = ShapeOps.reshape(x, -1, weight.shape().dim(0));
            return ShapeOps.reshape(Ops.gemm(flat, weight, bias, 1.0, 1.0, false, false), -1, t, out());
        }
    }

    /** Layer normalisation over the last dimension with a learned scale and shift. */
    record Norm(Tensor scale, Tensor shift) {

        static final double EPSILON = 1e-6;

        static Norm create(Params p, String name, long dim) {
            return new Norm(p.create(name + "/scale", Shape.of(dim), Init.ones()),
                    p.create(name + "/bias", Shape.of(dim), Init.zeros()));
        }

        Tensor apply(Graph g, Tensor x) {
            return Ops.layerNorm(x, scale, shift, -1, EPSILON);
        }
    }

    /**
     * A pre-norm transformer block: {@code h = x + proj(attention(norm1(x)))}, {@code y = h + mlp(norm2(h))} with
     * multi-head scaled dot-product self-attention over all T tokens and a GELU MLP.
     */
    record Block(String name, int heads, Norm norm1, Dense qkv, Dense proj, Norm norm2, Dense fc1, Dense fc2) {

        static Block create(Params p, String name, long dim, int heads, int mlpRatio) {
            if (dim % heads != 0) {
                throw new IllegalArgumentException(name + ": width " + dim + " is not a multiple of " + heads
                        + " heads");
            }
            return new Block(name, heads, Norm.create(p, name + "/norm1", dim),
                    Dense.create(p, name + "/attention/qkv", dim, 3 * dim),
                    Dense.create(p, name + "/attention/proj", dim, dim),
                    Norm.create(p, name + "/norm2", dim),
                    Dense.create(p, name + "/mlp/fc1", dim, (long) mlpRatio * dim),
                    Dense.create(p, name + "/mlp/fc2", (long) mlpRatio * dim, dim));
        }

        Tensor apply(Graph g, Tensor x) {
            try (Graph.Scope s = g.scope(name)) {
                Tensor h = Ops.add(x, proj.apply(g, attention(g, norm1.apply(g, x))));
                return Ops.add(h, fc2.apply(g, gelu(g, fc1.apply(g, norm2.apply(g, h)))));
            }
        }

        private Tensor attention(Graph g, Tensor x) {
            long t = x.shape().dim(1);
            long d = x.shape().dim(2);
            long dh = d / heads;
            List<Tensor> parts = ShapeOps.split(qkv.apply(g, x), 2, d, d, d);
            List<Tensor> qkvHeads = new ArrayList<>();
            for (Tensor part : parts) {
                // [N, T, D] -> [N, heads, T, dh]
                qkvHeads.add(ShapeOps.transpose(ShapeOps.reshape(part, -1, t, heads, dh), 0, 2, 1, 3));
            }
            Tensor scores = Ops.mul(Ops.matmul(qkvHeads.get(0), ShapeOps.transpose(qkvHeads.get(1), 0, 1, 3, 2)),
                    1 / Math.sqrt(dh));
            Tensor mixed = Ops.matmul(Ops.softmax(scores, -1), qkvHeads.get(2));
            return ShapeOps.reshape(ShapeOps.transpose(mixed, 0, 2, 1, 3), -1, t, d);
        }
    }

    /**
     * GELU in its tanh form, {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}: within 1e-3 of the erf form,
     * and made of ops ONNX Runtime runs in double precision, so whole blocks can be gradient-checked exactly.
     */
    static Tensor gelu(Graph g, Tensor x) {
        Tensor inner = Ops.mul(Ops.add(x, Ops.mul(Ops.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
        return Ops.mul(Ops.mul(x, 0.5), Ops.add(Ops.tanh(inner), 1.0));
    }
}
