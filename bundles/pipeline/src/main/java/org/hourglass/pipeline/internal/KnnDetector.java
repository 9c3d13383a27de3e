package org.hourglass.pipeline.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.graph.DType;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;

/**
 * Reference detector for evaluations: the Euclidean distance from a sample to its {@value #K}th nearest reference
 * sample. Fitting keeps the reference (at most {@value #MAX_REFERENCE} training samples, a seeded subset when there
 * are more); the search is exact and runs on the executor: one run takes a block of at most {@value #BLOCK} queries
 * and {@value #BLOCK} references, gets all their squared distances from one matrix product
 * ({@code |q|² + |r|² - 2 q·rᵀ}) and keeps each query's k closest with TopK, so a run holds at most BLOCK² distances
 * whatever the data's size; the host merges the blocks' candidates. (For 10,000 queries of 784 values against
 * 5,400 references, the demo's sizes, a plain Java loop took 28 s on two busy cores, the executor 2.8 s.) Test
 * samples are not training samples, so nothing is left out.
 */
final class KnnDetector {

    static final int K = 5;
    static final int MAX_REFERENCE = 10_000;
    static final int BLOCK = 1024;

    private static final String QUERY = "query";
    private static final String REFERENCE = "reference";
    private static final String COUNT = "k";
    private static final String DISTANCE = "distance";

    private final int width;
    private final int count;
    private final int k;
    /** The reference rows, row-major. */
    private final float[] reference;

    private KnnDetector(int width, int count, int k, float[] reference) {
        this.width = width;
        this.count = count;
        this.k = k;
        this.reference = reference;
    }

    /** Keeps at most {@code maxReference} of the {@code n} rows of {@code values} (chosen with {@code seed}). */
    static KnnDetector fit(float[] values, int n, int width, int maxReference, long seed) {
        if (n < 1 || width < 1 || (long) n * width != values.length) {
            throw new IllegalArgumentException("k-NN baseline: " + values.length + " values are not " + n
                    + " samples of " + width + " features");
        }
        int[] rows = subset(n, Math.min(n, maxReference), seed);
        float[] reference = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(values, rows[i] * width, reference, i * width, width);
        }
        return new KnnDetector(width, rows.length, Math.min(K, rows.length), reference);
    }

    static KnnDetector fit(float[] values, int n, int width, long seed) {
        return fit(values, n, width, MAX_REFERENCE, seed);
    }

    /** The first {@code m} of a seeded shuffle of {@code 0..n-1}, sorted; all rows in order when m == n. */
    static int[] subset(int n, int m, long seed) {
        int[] p = IntStream.range(0, n).toArray();
        if (m == n) {
            return p;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < m; i++) {
            int j = i + random.nextInt(n - i);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        int[] chosen = Arrays.copyOf(p, m);
        Arrays.sort(chosen);
        return chosen;
    }

    /** The graph of one block: each query's {@code k} smallest squared distances to the reference rows, ascending. */
    static ai.onnx.proto.OnnxMl.ModelProto model(int width) {
        Graph g = Graph.create(0);
        Tensor q = g.input(QUERY, Shape.of(Shape.DYNAMIC, width));
        Tensor r = g.input(REFERENCE, Shape.of(Shape.DYNAMIC, width));
        Tensor k = g.input(COUNT, DType.INT64, Shape.of(1));
        Tensor qq = g.reduceSum(g.mul(q, q), true, 1);            // [b, 1]
        Tensor rr = g.reduceSum(g.mul(r, r), false, 1);           // [m]
        Tensor cross = g.gemm(q, r, null, 2.0, 0.0, false, true); // [b, m] = 2 q·rᵀ
        // TopK keeps the largest, so rank by the negated distance; rounding can push an exact match below 0.
        Graph.TopK top = g.topK(g.sub(cross, g.add(qq, rr)), k, 1);
        return InferenceModel.builder(g).name("baseline-knn")
                .output(DISTANCE, g.relu(g.neg(top.values()))).build();
    }

    /**
     * Distance of each of the {@code queryCount} rows of {@code queries} to its k-th nearest reference.
     *
     * @param session name of the executor session (e.g. {@code pipeline/<name>/baseline-knn})
     */
    double[] score(OnnxExecutor executor, String session, float[] queries, int queryCount) {
        if ((long) queryCount * width != queries.length) {
            throw new IllegalArgumentException("k-NN baseline: " + queries.length + " values are not " + queryCount
                    + " samples of " + width + " features");
        }
        float[] best = new float[queryCount * k]; // the k smallest squared distances per query, ascending
        Arrays.fill(best, Float.POSITIVE_INFINITY);
        OrtEnvironment env = executor.environment();
        try (ModelSession s = executor.load(session, model(width))) {
            for (int r0 = 0; r0 < count; r0 += BLOCK) {
                int rows = Math.min(BLOCK, count - r0);
                int kb = Math.min(k, rows);
                try (OnnxTensor ref = OnnxTensor.createTensor(env, FloatBuffer.wrap(reference, r0 * width,
                        rows * width), new long[] {rows, width});
                     OnnxTensor kt = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {kb}), new long[] {1})) {
                    for (int q0 = 0; q0 < queryCount; q0 += BLOCK) {
                        int qRows = Math.min(BLOCK, queryCount - q0);
                        try (OnnxTensor qt = OnnxTensor.createTensor(env, FloatBuffer.wrap(queries, q0 * width,
                                qRows * width), new long[] {qRows, width});
                             OrtSession.Result out = s.run(Map.of(QUERY, qt, REFERENCE, ref, COUNT, kt))) {
                            FloatBuffer d = ((OnnxTensor) out.get(DISTANCE).orElseThrow()).getFloatBuffer();
                            for (int i = 0; i < qRows; i++) {
                                for (int c = 0; c < kb; c++) {
                                    insert(best, (q0 + i) * k, k, d.get(i * kb + c));
                                }
                            }
                        }
                    }
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("k-NN baseline failed on the executor: " + e.getMessage(), e);
        }
        double[] out = new double[queryCount];
        for (int i = 0; i < queryCount; i++) {
            out[i] = Math.sqrt(best[i * k + k - 1]);
        }
        return out;
    }

    /** Inserts {@code d} into the ascending list {@code [at, at+k)} when it is smaller than its last. */
    private static void insert(float[] best, int at, int k, float d) {
        int p = at + k - 1;
        if (!(d < best[p])) {
            return;
        }
        while (p > at && d < best[p - 1]) {
            best[p] = best[p - 1];
            p--;
        }
        best[p] = d;
    }

    int k() {
        return k;
    }

    int referenceCount() {
        return count;
    }
}
