package org.hourglass.graph;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.hourglass.graph.GradCheck.Case;
import org.hourglass.graph.GradCheck.Input;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Finite-difference checks of every gradient rule through ONNX Runtime ({@link GradCheck}). Inputs include 0
 * where the op is differentiable there, negatives, and broadcasting; ops with kinks (ReLU, Abs, Clip, max/top-k
 * selection) get inputs a safe distance away from the kink or tie.
 */
class GradientCheckTest {

    // ----------------------------------------------------------------------------------------- input values

    static int count(long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        return n;
    }

    /** Uniform in [-2, 2] with every fifth entry exactly 0. */
    static double[] grid(int seed, long... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[count(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = i % 5 == 0 ? 0 : -2 + 4 * r.nextDouble();
        }
        return v;
    }

    /** Magnitude in [0.2, 2], random sign: away from kinks at 0. */
    static double[] nonzero(int seed, long... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[count(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (0.2 + 1.8 * r.nextDouble()) * (r.nextBoolean() ? 1 : -1);
        }
        return v;
    }

    static double[] positive(int seed, long... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[count(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.3 + 1.7 * r.nextDouble();
        }
        return v;
    }

    /** Distinct values -1.25, -1.15, ... in shuffled order: no ties for max/top-k, 0.1 apart. */
    static double[] distinct(int seed, long... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[count(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = -1.25 + 0.1 * i;
        }
        for (int i = v.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return v;
    }

    static Input in(String name, double[] values, long... shape) {
        return Input.of(name, values, shape);
    }

    static Case exact(String name, GradCheck.Forward f, Input... inputs) {
        return new Case(name, List.of(inputs), f, null);
    }

    static Case withRef(String name, GradCheck.Forward f, GradCheck.Reference ref, Input... inputs) {
        return new Case(name, List.of(inputs), f, ref);
    }

    static long[] swapLast(long[] s, boolean swap) {
        long[] r = s.clone();
        if (swap) {
            r[r.length - 2] = s[s.length - 1];
            r[r.length - 1] = s[s.length - 2];
        }
        return r;
    }

    static double[] map(double[] x, java.util.function.DoubleUnaryOperator op) {
        double[] y = new double[x.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = op.applyAsDouble(x[i]);
        }
        return y;
    }

    // ---------------------------------------------------------------------------------------------- cases

    static Stream<Case> cases() {
        List<Case> c = new ArrayList<>();
        // Arithmetic and broadcasting.
        c.add(exact("Add broadcast [3,4]+[4]", (g, x) -> Ops.add(x.get(0), x.get(1)),
                in("a", grid(1, 3, 4), 3, 4), in("b", grid(2, 4), 4)));
        c.add(exact("Add broadcast [3,1]+[1,4]", (g, x) -> Ops.add(x.get(0), x.get(1)),
                in("a", grid(3, 3, 1), 3, 1), in("b", grid(4, 1, 4), 1, 4)));
        c.add(exact("Add dynamic batch [?,4]+[1,4]", (g, x) -> Ops.add(x.get(0), x.get(1)),
                in("a", grid(5, 3, 4), 3, 4).dynamic(), in("b", grid(6, 1, 4), 1, 4)));
        c.add(exact("Sub broadcast [2,3,4]-[3,1]", (g, x) -> Ops.sub(x.get(0), x.get(1)),
                in("a", grid(7, 2, 3, 4), 2, 3, 4), in("b", grid(8, 3, 1), 3, 1)));
        c.add(exact("Mul broadcast [3,4]*[3,1]", (g, x) -> Ops.mul(x.get(0), x.get(1)),
                in("a", grid(9, 3, 4), 3, 4), in("b", grid(10, 3, 1), 3, 1)));
        c.add(exact("Div broadcast [3,4]/[4]", (g, x) -> Ops.div(x.get(0), x.get(1)),
                in("a", grid(11, 3, 4), 3, 4), in("b", nonzero(12, 4), 4)));
        c.add(exact("Neg", (g, x) -> Ops.neg(x.get(0)), in("x", grid(13, 3, 4), 3, 4)));
        c.add(exact("Abs", (g, x) -> Ops.abs(x.get(0)), in("x", nonzero(14, 3, 4), 3, 4)));
        c.add(exact("Sqrt", (g, x) -> Ops.sqrt(x.get(0)), in("x", positive(15, 3, 4), 3, 4)));
        c.add(exact("Pow 2", (g, x) -> Ops.pow(x.get(0), 2), in("x", grid(16, 3, 4), 3, 4)));
        c.add(exact("Pow 3", (g, x) -> Ops.pow(x.get(0), 3), in("x", grid(17, 3, 4), 3, 4)));
        c.add(exact("Pow -1.5", (g, x) -> Ops.pow(x.get(0), -1.5), in("x", positive(18, 3, 4), 3, 4)));
        c.add(exact("Exp", (g, x) -> Ops.exp(x.get(0)), in("x", grid(19, 3, 4), 3, 4)));
        c.add(exact("Log", (g, x) -> Ops.log(x.get(0)), in("x", positive(20, 3, 4), 3, 4)));
        c.add(exact("x used three times: x*x + exp(x)", (g, x) -> Ops.add(Ops.mul(x.get(0), x.get(0)), Ops.exp(x.get(0))),
                in("x", grid(21, 3, 4), 3, 4)));

        // Activations.
        c.add(exact("Relu", (g, x) -> Ops.relu(x.get(0)), in("x", nonzero(22, 3, 4), 3, 4)));
        c.add(exact("LeakyRelu", (g, x) -> Ops.leakyRelu(x.get(0), 0.1), in("x", nonzero(23, 3, 4), 3, 4)));
        c.add(exact("Sigmoid", (g, x) -> Ops.sigmoid(x.get(0)), in("x", grid(24, 3, 4), 3, 4)));
        c.add(exact("Tanh", (g, x) -> Ops.tanh(x.get(0)), in("x", grid(25, 3, 4), 3, 4)));
        c.add(withRef("Softplus (float32 vs Java)", (g, x) -> Ops.softplus(x.get(0)),
                xs -> map(xs.get(0), Ref::softplus), in("x", grid(26, 3, 4), 3, 4)));
        c.add(withRef("Erf (float32 vs Java)", (g, x) -> Ops.erf(x.get(0)),
                xs -> map(xs.get(0), Ref::erf), in("x", grid(27, 3, 4), 3, 4)));
        c.add(withRef("Gelu (float32 vs Java)", (g, x) -> Ops.gelu(x.get(0)),
                xs -> map(xs.get(0), Ref::gelu), in("x", grid(28, 3, 4), 3, 4)));
        c.add(exact("Softmax axis 1", (g, x) -> Ops.softmax(x.get(0), 1), in("x", grid(29, 3, 5), 3, 5)));
        c.add(exact("Softmax axis 0 of [3,2,2]", (g, x) -> Ops.softmax(x.get(0), 0), in("x", grid(30, 3, 2, 2), 3, 2, 2)));
        c.add(exact("LogSoftmax axis -1", (g, x) -> Ops.logSoftmax(x.get(0), -1), in("x", grid(31, 2, 3, 4), 2, 3, 4)));
        c.add(exact("LayerNormalization last axis", (g, x) -> Ops.layerNorm(x.get(0), x.get(1), x.get(2), -1, 1e-5),
                in("x", grid(32, 3, 6), 3, 6), in("scale", grid(33, 6), 6), in("bias", grid(34, 6), 6)));
        c.add(exact("LayerNormalization axis 1 of [2,3,4]",
                (g, x) -> Ops.layerNorm(x.get(0), x.get(1), x.get(2), 1, 1e-3),
                in("x", grid(35, 2, 3, 4), 2, 3, 4), in("scale", grid(36, 3, 4), 3, 4), in("bias", grid(37, 3, 4), 3, 4)));
        // float32 takes another path: the gradient reads the forward node's Mean and InvStdDev outputs.
        c.add(withRef("LayerNormalization last axis (float32 statistics vs Java)",
                (g, x) -> Ops.layerNorm(x.get(0), x.get(1), x.get(2), -1, 1e-5),
                xs -> Ref.layerNorm(xs.get(0), xs.get(1), xs.get(2), 6, 1e-5),
                in("x", grid(109, 3, 6), 3, 6), in("scale", grid(110, 6), 6), in("bias", grid(111, 6), 6)));
        c.add(withRef("LayerNormalization axis 1 of [2,3,4], dynamic batch (float32 statistics vs Java)",
                (g, x) -> Ops.layerNorm(x.get(0), x.get(1), x.get(2), 1, 1e-3),
                xs -> Ref.layerNorm(xs.get(0), xs.get(1), xs.get(2), 12, 1e-3),
                in("x", grid(112, 2, 3, 4), 2, 3, 4).dynamic(), in("scale", grid(113, 3, 4), 3, 4),
                in("bias", grid(114, 3, 4), 3, 4)));

        // Linear algebra.
        c.add(exact("MatMul [3,4]x[4,5]", (g, x) -> Ops.matmul(x.get(0), x.get(1)),
                in("a", grid(38, 3, 4), 3, 4), in("b", grid(39, 4, 5), 4, 5)));
        c.add(exact("MatMul batched [2,3,4]x[4,5]", (g, x) -> Ops.matmul(x.get(0), x.get(1)),
                in("a", grid(40, 2, 3, 4), 2, 3, 4), in("b", grid(41, 4, 5), 4, 5)));
        c.add(exact("MatMul broadcast [2,1,3,4]x[3,4,2]", (g, x) -> Ops.matmul(x.get(0), x.get(1)),
                in("a", grid(42, 2, 1, 3, 4), 2, 1, 3, 4), in("b", grid(43, 3, 4, 2), 3, 4, 2)));
        // float32: the gradient products are FusedMatMuls reading the operands transposed (as in train steps).
        long[][][] products = {{{3, 4}, {4, 5}}, {{2, 3, 4}, {4, 5}}, {{4, 5}, {2, 5, 3}},
            {{2, 1, 3, 4}, {3, 4, 2}}, {{2, 2, 3, 4}, {2, 2, 4, 3}}};
        for (int i = 0; i < products.length; i++) {
            long[] as = products[i][0];
            long[] bs = products[i][1];
            c.add(withRef("MatMul " + Arrays.toString(as) + "x" + Arrays.toString(bs) + " (float32 vs Java)",
                    (g, x) -> Ops.matmul(x.get(0), x.get(1)), xs -> Ref.matmul(xs.get(0), as, xs.get(1), bs),
                    in("a", grid(120 + 2 * i, as), as), in("b", grid(121 + 2 * i, bs), bs)));
        }
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0;
            boolean tb = (t & 2) != 0;
            long[] as = ta ? new long[] {2, 1, 4, 3} : new long[] {2, 1, 3, 4};
            long[] bs = tb ? new long[] {3, 5, 4} : new long[] {3, 4, 5};
            c.add(withRef("FusedMatMul transA=" + ta + " transB=" + tb + " " + Arrays.toString(as) + "x"
                    + Arrays.toString(bs) + " (float32 vs Java)", (g, x) -> GradOps.fusedMatMul(x.get(0), x.get(1), ta, tb),
                    xs -> Ref.matmul(ta ? Ref.transposeLast(xs.get(0), as) : xs.get(0), swapLast(as, ta),
                            tb ? Ref.transposeLast(xs.get(1), bs) : xs.get(1), swapLast(bs, tb)),
                    in("a", grid(130 + t, as), as), in("b", grid(134 + t, bs), bs)));
        }
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0;
            boolean tb = (t & 2) != 0;
            c.add(exact("Gemm transA=" + ta + " transB=" + tb + " bias [5]",
                    (g, x) -> Ops.gemm(x.get(0), x.get(1), x.get(2), 0.7, 1.3, ta, tb),
                    in("a", grid(44 + t, 3, 4), ta ? new long[] {4, 3} : new long[] {3, 4}),
                    in("b", grid(48 + t, 4, 5), tb ? new long[] {5, 4} : new long[] {4, 5}),
                    in("c", grid(52 + t, 5), 5)));
        }
        c.add(exact("Gemm bias [3,1], dynamic rows", (g, x) -> Ops.gemm(x.get(0), x.get(1), x.get(2), 1, 1, false, false),
                in("a", grid(56, 3, 4), 3, 4).dynamic(), in("b", grid(57, 4, 5), 4, 5), in("c", grid(58, 1, 5), 1, 5)));
        c.add(exact("Linear + tanh (Gemm with parameters' layout)", (g, x) -> Ops.tanh(Ops.gemm(x.get(0), x.get(1),
                x.get(2), 1, 1, false, false)), in("x", grid(59, 4, 3), 4, 3), in("w", grid(60, 3, 2), 3, 2),
                in("b", grid(61, 2), 2)));

        // Shape and data movement.
        c.add(exact("Reshape [2,3,4] -> [6,4]", (g, x) -> ShapeOps.reshape(x.get(0), 6, 4), in("x", grid(62, 2, 3, 4), 2, 3, 4)));
        c.add(exact("Reshape dynamic [?,3,4] -> [0,12]", (g, x) -> ShapeOps.reshape(x.get(0), 0, 12),
                in("x", grid(63, 2, 3, 4), 2, 3, 4).dynamic()));
        c.add(exact("Flatten axis 2", (g, x) -> ShapeOps.flatten(x.get(0), 2), in("x", grid(64, 2, 3, 4), 2, 3, 4)));
        c.add(exact("Transpose (2,0,1)", (g, x) -> ShapeOps.transpose(x.get(0), 2, 0, 1), in("x", grid(65, 2, 3, 4), 2, 3, 4)));
        c.add(exact("Concat axis 1", (g, x) -> ShapeOps.concat(1, x.get(0), x.get(1), x.get(0)),
                in("a", grid(66, 2, 3), 2, 3), in("b", grid(67, 2, 2), 2, 2)));
        c.add(exact("Slice negative start", (g, x) -> ShapeOps.slice(x.get(0), new long[] {1, 0}, new long[] {-3, 1},
                new long[] {Long.MAX_VALUE, 3}), in("x", grid(68, 3, 5), 3, 5)));
        c.add(exact("Split, both parts used", (g, x) -> {
            List<Tensor> parts = ShapeOps.split(x.get(0), 1, 2, 4);
            return ShapeOps.concat(1, Ops.mul(parts.get(0), 2.0), Ops.exp(parts.get(1)));
        }, in("x", grid(69, 2, 6), 2, 6)));
        c.add(exact("Split, first part unused", (g, x) -> ShapeOps.split(x.get(0), 1, 2, 4).get(1),
                in("x", grid(70, 2, 6), 2, 6)));
        c.add(exact("Gather axis 0, repeated indices", (g, x) -> ShapeOps.gather(x.get(0),
                g.constant("idx", HostTensor.ofLongs(new long[] {2, 0, 2}, 3)), 0), in("x", grid(71, 4, 3), 4, 3)));
        c.add(exact("Gather axis 1, 2-D indices", (g, x) -> ShapeOps.gather(x.get(0),
                g.constant("idx", HostTensor.ofLongs(new long[] {1, 1, 0, 2}, 2, 2)), 1),
                in("x", grid(72, 2, 3, 4), 2, 3, 4)));
        c.add(exact("Expand [3,1] -> [2,3,4]", (g, x) -> ShapeOps.expand(x.get(0), 2, 3, 4), in("x", grid(73, 3, 1), 3, 1)));
        c.add(exact("Unsqueeze then Squeeze", (g, x) -> Ops.mul(ShapeOps.squeeze(ShapeOps.unsqueeze(x.get(0), 0, 3), 0),
                ShapeOps.unsqueeze(x.get(0), 2)), in("x", grid(74, 2, 3), 2, 3)));
        c.add(exact("Identity", (g, x) -> Ops.identity(x.get(0)), in("x", grid(75, 3), 3)));
        c.add(withRef("Cast float -> double -> float", (g, x) -> {
            Tensor d = Ops.cast(x.get(0), DType.DOUBLE);
            return Ops.cast(Ops.mul(d, d), DType.FLOAT);
        }, xs -> map(xs.get(0), v -> v * v), in("x", grid(76, 3, 4), 3, 4)));

        // Reductions.
        c.add(exact("ReduceSum axis 1", (g, x) -> Ops.reduceSum(x.get(0), false, 1), in("x", grid(77, 2, 3, 4), 2, 3, 4)));
        c.add(exact("ReduceSum all, keepdims", (g, x) -> Ops.reduceSum(x.get(0), true), in("x", grid(78, 2, 3), 2, 3)));
        c.add(exact("ReduceMean axes (0,2) keepdims", (g, x) -> Ops.reduceMean(x.get(0), true, 0, 2),
                in("x", grid(79, 2, 3, 4), 2, 3, 4)));
        c.add(exact("ReduceMean over dynamic batch", (g, x) -> Ops.reduceMean(x.get(0), false, 0),
                in("x", grid(80, 3, 4), 3, 4).dynamic()));
        c.add(exact("ReduceMean all", (g, x) -> Ops.mean(x.get(0)), in("x", grid(81, 3, 4), 3, 4)));
        c.add(exact("ReduceMean all over a dynamic batch", (g, x) -> Ops.mul(Ops.mean(Ops.mul(x.get(0), x.get(0))), x.get(0)),
                in("x", grid(108, 3, 4), 3, 4).dynamic()));
        c.add(exact("ReduceMax axis 1", (g, x) -> Ops.reduceMax(x.get(0), false, 1), in("x", distinct(82, 3, 5), 3, 5)));

        // Selection.
        c.add(exact("Where with broadcast", (g, x) -> Ops.where(
                Ops.greater(g.constant("c", HostTensor.ofDoubles(grid(83, 3, 4), 3, 4)), g.scalar(0.0)), x.get(0), x.get(1)),
                in("a", grid(84, 3, 4), 3, 4), in("b", grid(85, 4), 4)));
        c.add(exact("Where on a comparison of x (no gradient through the mask)", (g, x) -> Ops.where(
                Ops.greater(x.get(0), 0.0), Ops.mul(x.get(0), 2.0), Ops.mul(x.get(0), x.get(0))),
                in("x", nonzero(86, 3, 4), 3, 4)));
        c.add(exact("Clip", (g, x) -> Ops.clip(x.get(0), -0.52, 0.83), in("x", distinct(87, 4, 6), 4, 6)));
        c.add(exact("TopK k=2 axis 1", (g, x) -> ShapeOps.topK(x.get(0), 2, 1).values(), in("x", distinct(88, 3, 6), 3, 6)));
        c.add(exact("TopK with a run-time k=3 over a flattened matrix", (g, x) -> ShapeOps.topK(ShapeOps.reshape(x.get(0), -1),
                g.longs(3), 0).values(), in("x", distinct(89, 3, 6), 3, 6)));

        // Convolution and pooling (no float64 kernels: float32 against Java references).
        long[] xs1 = {2, 4, 5, 6};
        long[] ws1 = {6, 2, 3, 3};
        ConvOptions o1 = ConvOptions.defaults().stride(2).padding(1, 0, 1, 2).groups(2);
        c.add(withRef("Conv groups=2 stride=2 asymmetric pads + bias",
                (g, x) -> ConvOps.conv2d(x.get(0), x.get(1), x.get(2), o1),
                xs -> Ref.conv2d(xs.get(0), xs1, xs.get(1), ws1, xs.get(2), o1.strides(), o1.pads(), o1.dilations(), 2),
                in("x", grid(89, xs1), xs1), in("w", grid(90, ws1), ws1), in("b", grid(91, 6), 6)));
        long[] xs2 = {2, 3, 7, 7};
        long[] ws2 = {4, 3, 3, 2};
        ConvOptions o2 = ConvOptions.defaults().dilation(2).padding(2);
        c.add(withRef("Conv dilation=2 pad=2, no bias", (g, x) -> ConvOps.conv2d(x.get(0), x.get(1), null, o2),
                xs -> Ref.conv2d(xs.get(0), xs2, xs.get(1), ws2, null, o2.strides(), o2.pads(), o2.dilations(), 1),
                in("x", grid(92, xs2), xs2), in("w", grid(93, ws2), ws2)));
        long[] xs3 = {2, 4, 3, 4};
        long[] ws3 = {4, 3, 3, 3};
        ConvOptions o3 = ConvOptions.defaults().stride(2).padding(1).groups(2).outputPadding(1, 1);
        c.add(withRef("ConvTranspose groups=2 stride=2 pad=1 output padding 1 + bias",
                (g, x) -> ConvOps.convTranspose2d(x.get(0), x.get(1), x.get(2), o3),
                xs -> Ref.convTranspose2d(xs.get(0), xs3, xs.get(1), ws3, xs.get(2), o3.strides(), o3.pads(),
                        o3.dilations(), 2, o3.outputPadding()),
                in("x", grid(94, xs3), xs3), in("w", grid(95, ws3), ws3), in("b", grid(96, 6), 6)));
        long[] xs4 = {1, 2, 4, 3};
        long[] ws4 = {2, 3, 2, 3};
        ConvOptions o4 = ConvOptions.defaults().dilation(2).stride(3, 2);
        c.add(withRef("ConvTranspose dilation=2 stride=(3,2)", (g, x) -> ConvOps.convTranspose2d(x.get(0), x.get(1), null, o4),
                xs -> Ref.convTranspose2d(xs.get(0), xs4, xs.get(1), ws4, null, o4.strides(), o4.pads(),
                        o4.dilations(), 1, o4.outputPadding()),
                in("x", grid(97, xs4), xs4), in("w", grid(98, ws4), ws4)));
        long[] xs5 = {2, 3, 5, 6};
        long[] k5 = {3, 3};
        ConvOptions o5 = ConvOptions.defaults().stride(2).padding(1);
        c.add(withRef("AveragePool k=3 s=2 pad=1, padding not counted",
                (g, x) -> ConvOps.avgPool2d(x.get(0), k5, o5, false),
                xs -> Ref.avgPool(xs.get(0), xs5, k5, o5.strides(), o5.pads(), false), in("x", grid(99, xs5), xs5)));
        c.add(withRef("AveragePool k=3 s=2 pad=1, padding counted",
                (g, x) -> ConvOps.avgPool2d(x.get(0), k5, o5, true),
                xs -> Ref.avgPool(xs.get(0), xs5, k5, o5.strides(), o5.pads(), true), in("x", grid(100, xs5), xs5)));
        long[] xs6 = {2, 2, 5, 5};
        c.add(exact("MaxPool k=2 s=2 pad=1", (g, x) -> ConvOps.maxPool2d(x.get(0), new long[] {2, 2},
                ConvOptions.defaults().stride(2).padding(1)), in("x", distinct(101, xs6), xs6)));
        c.add(exact("MaxPool k=3 s=1, overlapping windows", (g, x) -> ConvOps.maxPool2d(x.get(0), new long[] {3, 3},
                ConvOptions.defaults()), in("x", distinct(102, xs6), xs6)));
        long[] xs7 = {2, 3, 3, 4};
        c.add(withRef("Resize nearest 2x", (g, x) -> ConvOps.upsample2x(x.get(0)), xs -> Ref.upsample2x(xs.get(0), xs7),
                in("x", grid(103, xs7), xs7)));

        // Composites.
        c.add(exact("MLP-style chain: relu(x W1 + b1) W2 with x reused", (g, x) -> {
            Tensor h = Ops.relu(Ops.gemm(x.get(0), x.get(1), x.get(2), 1, 1, false, false));
            return Ops.add(Ops.matmul(h, x.get(3)), Ops.reduceSum(x.get(0), true, 1));
        }, in("x", nonzero(104, 4, 3), 4, 3), in("w1", nonzero(105, 3, 5), 3, 5), in("b1", nonzero(106, 5), 5),
                in("w2", grid(107, 5, 2), 5, 2)));
        return c.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientMatchesFiniteDifferences(Case c) {
        double worst = GradCheck.check(c);
        System.out.printf("gradcheck %-70s worst error %.3g x tolerance%n", c.name(), worst);
    }

    /** Every op type with a gradient rule appears in at least one case above. */
    @Test
    void everyRuleHasAGradientCheck() {
        Set<String> covered = new HashSet<>();
        cases().forEach(c -> {
            for (Node n : c.buildForward().nodes()) {
                covered.add(n.gradKey());
            }
        });
        Set<String> missing = new TreeSet<>();
        for (String op : GradientRules.opTypes()) {
            if (GradientRules.rule(fake(op)) != GradientRules.NONE && !covered.contains(op)) {
                missing.add(op);
            }
        }
        assertTrue(missing.isEmpty(), "gradient rules without a finite-difference check: " + missing);
    }

    private static Node fake(String op) {
        return new Node("probe", "", op, op, List.of(), new ArrayList<>(), java.util.Map.of(), 0);
    }
}
