package org.hourglass.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hourglass.api.executor.ModelSession;
import org.junit.jupiter.api.Test;

/** Build-time behaviour: names, shapes, clear errors, which nodes autodiff touches, stop-gradient. */
class GraphBuilderTest {

    @Test
    void nodesAreNamedAfterScopesAndParamsAfterLayers() {
        Graph g = Graph.create(1);
        Tensor x = g.input("x", Shape.batchOf(8));
        Tensor h1;
        Tensor h;
        try (Graph.Scope s = g.scope("encoder")) {
            h1 = Ops.relu(Layers.linear("fc1", x, 4, Init.heUniform()));
            h = Ops.relu(h1);
        }
        assertEquals("encoder/fc1/gemm", h1.producer().input(0).name());
        assertEquals("encoder/relu", h1.name());
        assertEquals("encoder/relu_1", h.name());
        assertEquals(List.of("encoder/fc1/weight", "encoder/fc1/bias"),
                g.params().stream().map(Tensor::name).toList());
        assertEquals(Shape.of(Shape.DYNAMIC, 4), h.shape());
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> Layers.linear("encoder/fc1", x, 4, Init.zeros()));
        assertTrue(dup.getMessage().contains("encoder/fc1/weight"), dup.getMessage());
    }

    @Test
    void shapeMismatchesNameTheOpAndTheShapes() {
        Graph g = Graph.create(1);
        Tensor a = g.input("a", Shape.batchOf(3));
        Tensor b = g.input("b", DType.FLOAT, Shape.of(4, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ops.matmul(a, b));
        assertTrue(e.getMessage().contains("MatMul") && e.getMessage().contains("[?, 3]")
                && e.getMessage().contains("[4, 5]"), e.getMessage());
        Tensor c = g.input("c", DType.FLOAT, Shape.of(5));
        e = assertThrows(IllegalArgumentException.class, () -> Ops.add(a, c));
        assertTrue(e.getMessage().contains("Add") && e.getMessage().contains("[?, 3]") && e.getMessage().contains("[5]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.reshape(b, 3, 7));
        assertTrue(e.getMessage().contains("Reshape") && e.getMessage().contains("[4, 5]"), e.getMessage());
        Tensor img = g.input("img", DType.FLOAT, Shape.of(-1, 3, 8, 8));
        Tensor w = g.param("w", Shape.of(4, 2, 3, 3), Init.heNormal());
        e = assertThrows(IllegalArgumentException.class, () -> ConvOps.conv2d(img, w, null, ConvOptions.defaults()));
        assertTrue(e.getMessage().contains("Conv") && e.getMessage().contains("3 channels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.topK(a, 4, 1));
        assertTrue(e.getMessage().contains("TopK") && e.getMessage().contains("k=4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.topK(a, g.scalar(2.0), 1));
        assertTrue(e.getMessage().contains("TopK") && e.getMessage().contains("INT64"), e.getMessage());
        assertEquals(Shape.DYNAMIC, ShapeOps.topK(a, g.longs(2), 1).values().shape().dim(1), "a run-time k");
    }

    @Test
    void missingGradientRuleNamesTheOp() {
        Graph g = new Graph(DType.DOUBLE, 1);
        Tensor x = g.input("x", Shape.of(3));
        Tensor y = g.node1("Round", "round", List.of(x), Map.of(), x.dtype(), x.shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Autodiff.gradients(Ops.sum(y), List.of(x)));
        assertTrue(e.getMessage().contains("no gradient rule for op 'Round'") && e.getMessage().contains("node 'round'"),
                e.getMessage());
        IllegalArgumentException notScalar = assertThrows(IllegalArgumentException.class,
                () -> Autodiff.gradients(x, List.of(x)));
        assertTrue(notScalar.getMessage().contains("scalar"), notScalar.getMessage());
    }

    @Test
    void onlyNodesBetweenWrtAndLossAreDifferentiated() {
        Graph g = new Graph(DType.DOUBLE, 1);
        Tensor x = g.input("x", Shape.of(3));
        Tensor side = Ops.exp(x); // depends on x, but the loss does not use it
        Tensor w = g.param("w", Shape.of(3), Init.ones());
        Tensor unused = g.param("unused", Shape.of(2), Init.ones());
        Tensor loss = Ops.sum(Ops.mul(Ops.tanh(x), w));
        int before = g.nodes().size();
        Map<Tensor, Tensor> grads = Autodiff.gradients(loss, List.of(w, unused));
        List<String> gradNodes = new ArrayList<>();
        for (Node n : g.nodes().subList(before, g.nodes().size())) {
            gradNodes.add(n.name());
        }
        // tanh(x) does not depend on w: its rule must not run; neither must exp (not on the path to the loss).
        assertTrue(gradNodes.stream().noneMatch(n -> n.startsWith("grad/" + side.name() + "/") || n.startsWith("grad/tanh/")),
                gradNodes.toString());
        assertEquals("ConstantOfShape", grads.get(unused).producer().opType());
        assertEquals(side.shape(), x.shape());
    }

    @Test
    void broadcastGradientsSumLeadingAxesAsProductsWithOnes() {
        // d/db sum((x + b) * w) = the sum of w over the leading axes, with a dynamic batch (a row of ones sized at
        // run time), a static one (a constant row) and a dynamic kept part (ReduceSum stays).
        for (long batch : new long[] {Shape.DYNAMIC, 5}) {
            Graph g = new Graph(DType.DOUBLE, 1);
            Tensor x = g.input("x", Shape.of(batch, 3, 4));
            Tensor w = g.input("w", Shape.of(batch, 3, 4));
            Tensor b = g.param("b", Shape.of(4), Init.zeros());
            Tensor grad = Autodiff.gradients(Ops.sum(Ops.mul(Ops.add(x, b), w)), List.of(b)).get(b);
            assertEquals(Shape.of(4), grad.shape());
            assertEquals("Reshape", grad.producer().opType());
            assertEquals("MatMul", grad.producer().inputs().get(0).producer().opType());
            assertEquals(batch == Shape.DYNAMIC ? "ConstantOfShape" : null,
                    grad.producer().inputs().get(0).producer().inputs().get(0).producer() == null ? null
                            : grad.producer().inputs().get(0).producer().inputs().get(0).producer().opType());
            double[] wv = new double[5 * 12];
            double[] expected = new double[4];
            for (int i = 0; i < wv.length; i++) {
                wv[i] = Math.sin(i * 0.7) - 0.2;
                expected[i % 4] += wv[i];
            }
            var model = InferenceModel.builder(g).output("grad", grad).weights(Map.of("b", HostTensor.ofDoubles(
                    new double[4], 4))).build();
            try (ModelSession s = Ort.load("sum-leading", model);
                 OnnxTensor xt = Ort.tensor(DType.DOUBLE, new double[60], new long[] {5, 3, 4});
                 OnnxTensor wt = Ort.tensor(DType.DOUBLE, wv, new long[] {5, 3, 4})) {
                assertArrayEquals(expected, Ort.run(s, Map.of("x", xt, "w", wt), null).get("grad"), 1e-12);
            }
        }
        Graph g = new Graph(DType.DOUBLE, 1);
        Tensor x = g.input("x", Shape.of(2, Shape.DYNAMIC));
        Tensor v = g.input("v", Shape.of(Shape.DYNAMIC));
        Tensor grad = Autodiff.gradients(Ops.sum(Ops.mul(Ops.add(x, v), x)), List.of(v)).get(v);
        assertEquals("ReduceSum", grad.producer().opType(), "a kept part of unknown size keeps ReduceSum");
    }

    @Test
    void stopGradientAndStraightThroughEstimator() {
        Graph g = new Graph(DType.DOUBLE, 1);
        Tensor x = g.input("x", Shape.of(4));
        Tensor blocked = Ops.sum(Ops.mul(x, Ops.stopGradient(x)));
        // Quantise by truncation through INT64 (no gradient), pass the gradient straight through.
        Tensor q = Ops.cast(Ops.cast(x, DType.INT64), DType.DOUBLE);
        Tensor ste = Ops.straightThrough(x, q);
        Tensor steLoss = Ops.sum(Ops.mul(ste, g.constant("w", HostTensor.ofDoubles(new double[] {1, 2, 3, 4}, 4))));
        Tensor gBlocked = Autodiff.gradients(blocked, List.of(x)).get(x);
        Tensor gSte = Autodiff.gradients(steLoss, List.of(x)).get(x);
        var model = InferenceModel.builder(g).output("g_blocked", gBlocked).output("g_ste", gSte).output("ste", ste).build();
        double[] xv = {1.7, -0.4, 0.0, 2.5};
        try (ModelSession s = Ort.load("stop-gradient", model);
             OnnxTensor xt = Ort.tensor(DType.DOUBLE, xv, new long[] {4})) {
            Map<String, double[]> out = Ort.run(s, Map.of("x", xt), null);
            assertArrayEquals(xv, out.get("g_blocked"), 1e-12, "d/dx sum(x * stop(x)) = stop(x) = x, not 2x");
            assertArrayEquals(new double[] {1, 2, 3, 4}, out.get("g_ste"), 1e-12, "straight-through gradient");
            assertArrayEquals(new double[] {1, 0, 0, 2}, out.get("ste"), 1e-12, "forward value is the quantised one");
        }
    }

    @Test
    void float32LayerNormIsWrittenAsPrimitivesAndItsGradientReusesTheStatistics() {
        Graph g = Graph.create(1);
        Tensor x = g.input("x", Shape.batchOf(2, 3));
        Tensor scale = g.input("scale", Shape.of(2, 3));
        Tensor bias = g.input("bias", Shape.of(2, 3));
        Tensor y = Ops.layerNorm(x, scale, bias, 1, 1e-5);
        Node ln = y.producer();
        assertEquals(1, ln.outputs().size(), "no statistics outputs before a gradient asks for them");
        Tensor gx = Autodiff.gradients(Ops.sum(Ops.mul(y, y)), List.of(x)).get(x);
        assertEquals(3, ln.outputs().size());
        assertEquals(Shape.of(Shape.DYNAMIC, 1, 1), ln.output(1).shape());
        for (Node n : g.nodes()) {
            boolean reducesX = n.opType().equals("ReduceMean") && n.input(0).equals(x);
            assertFalse(reducesX || n.opType().equals("Pow"), "the gradient recomputes the statistics: " + n);
        }
        var model = InferenceModel.builder(g).output("y", y).output("mean", ln.output(1))
                .output("inv", ln.output(2)).output("gx", gx).build();
        List<String> ops = model.getGraph().getNodeList().stream().map(ai.onnx.proto.OnnxMl.NodeProto::getOpType).toList();
        assertFalse(ops.contains("LayerNormalization"), "float32 LayerNormalization is written as primitives: " + ops);
        assertTrue(ops.containsAll(List.of("ReduceMean", "Sqrt", "Reciprocal")), ops.toString());
        Graph g64 = new Graph(DType.DOUBLE, 1);
        Tensor x64 = g64.input("x", Shape.batchOf(3));
        Tensor p64 = g64.input("p", Shape.of(3));
        assertTrue(InferenceModel.builder(g64).output("y", Ops.layerNorm(x64, p64, p64, -1, 1e-5)).build().getGraph()
                .getNodeList().stream().anyMatch(n -> n.getOpType().equals("LayerNormalization")), "float64 keeps the op");
        float[] xv = new float[12];
        for (int i = 0; i < xv.length; i++) {
            xv[i] = (float) Math.sin(1.3 * i) * (1 + i % 5);
        }
        double[] ones = new double[6];
        java.util.Arrays.fill(ones, 1);
        try (ModelSession s = Ort.load("layer-norm-stats", model);
             OnnxTensor xt = Ort.tensor(DType.FLOAT, toDoubles(xv), new long[] {2, 2, 3});
             OnnxTensor st = Ort.tensor(DType.FLOAT, ones, new long[] {2, 3});
             OnnxTensor bt = Ort.tensor(DType.FLOAT, new double[6], new long[] {2, 3})) {
            Map<String, double[]> out = Ort.run(s, Map.of("x", xt, "scale", st, "bias", bt), null);
            for (int r = 0; r < 2; r++) {
                double mean = 0;
                double sq = 0;
                for (int i = 0; i < 6; i++) {
                    mean += xv[r * 6 + i] / 6.0;
                }
                for (int i = 0; i < 6; i++) {
                    sq += (xv[r * 6 + i] - mean) * (xv[r * 6 + i] - mean) / 6.0;
                }
                assertEquals(mean, out.get("mean")[r], 1e-5, "Mean");
                assertEquals(1 / Math.sqrt(sq + 1e-5), out.get("inv")[r], 1e-4, "InvStdDev");
                for (int i = 0; i < 6; i++) {
                    assertEquals((xv[r * 6 + i] - mean) / Math.sqrt(sq + 1e-5), out.get("y")[r * 6 + i], 1e-5, "y");
                }
            }
        }
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    @Test
    void initializersAreSeededByNameAndHaveTheRightScale() {
        Graph a = Graph.create(42);
        Graph b = Graph.create(42);
        Tensor pa1 = a.param("first", Shape.of(64, 32), Init.xavierUniform(1));
        Tensor pa2 = a.param("second", Shape.of(64, 32), Init.xavierUniform(1));
        Tensor pb2 = b.param("second", Shape.of(64, 32), Init.xavierUniform(1)); // created first in b
        b.param("first", Shape.of(64, 32), Init.xavierUniform(1));
        assertArrayEquals(a.initialValue(pa2).floats(), b.initialValue(pb2).floats(), "same seed and name, same values");
        assertFalse(java.util.Arrays.equals(a.initialValue(pa1).floats(), a.initialValue(pa2).floats()));
        assertNotEquals(0f, a.initialValue(pa1).floats()[0]);

        double bound = Math.sqrt(6.0 / (64 + 32));
        for (float v : a.initialValue(pa1).floats()) {
            assertTrue(Math.abs(v) <= bound);
        }
        Tensor he = a.param("he", Shape.of(400, 50), Init.heNormal());
        assertEquals(Math.sqrt(2.0 / 400), std(a.initialValue(he).toDoubles()), 0.003);
        Tensor ortho = a.param("ortho", Shape.of(6, 10), Init.orthogonal(1));
        double[] o = a.initialValue(ortho).toDoubles();
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 6; j++) {
                double dot = 0;
                for (int k = 0; k < 10; k++) {
                    dot += o[i * 10 + k] * o[j * 10 + k];
                }
                assertEquals(i == j ? 1 : 0, dot, 1e-6, "rows of an orthogonal init are orthonormal");
            }
        }
        Tensor normal = a.param("normal", Shape.of(10000), Init.normal(0.5, 2));
        assertEquals(2, std(a.initialValue(normal).toDoubles()), 0.05);
        Tensor c = a.param("c", Shape.of(3), Init.constant(0.25));
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f}, a.initialValue(c).floats());
    }

    private static double std(double[] v) {
        double mean = 0;
        for (double x : v) {
            mean += x / v.length;
        }
        double s = 0;
        for (double x : v) {
            s += (x - mean) * (x - mean) / v.length;
        }
        return Math.sqrt(s);
    }
}
