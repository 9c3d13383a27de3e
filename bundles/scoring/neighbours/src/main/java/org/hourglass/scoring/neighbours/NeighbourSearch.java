package org.hourglass.scoring.neighbours;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;

/**
 * Exact k-nearest-neighbour search (squared Euclidean distance) run as an ONNX graph on the shared executor.
 * Queries and reference rows are cut into blocks of at most {@code blockSize} rows; one run computes the
 * distances of a query block to a reference block with one matrix product ({@code |q|² + |r|² - 2 q·rᵀ}) and
 * keeps the block's k closest with {@code TopK}, so memory per run is bounded by {@code blockSize²} distances
 * whatever the data size. The per-block candidates are merged on the host (k per block and query).
 * Thread-safe: sessions are shared and created once per (width, k).
 *
 * <p>Shared by the scoring bundles that need neighbours (mean-shift, latent-knn, combined): each copies this
 * package in privately with bnd's {@code -conditionalpackage}, so there is one search and no exported package.
 */
public class NeighbourSearch implements AutoCloseable {

    static final String QUERY = "query";
    static final String REFERENCE = "reference";
    static final String DISTANCE = "distance";
    static final String INDEX = "index";

    /** The k nearest reference rows of each query, closest first: row {@code i} is {@code [i*k, (i+1)*k)}. */
    public record Neighbours(int k, int[] index, float[] distance) {
    }

    private record Key(int width, int k) {
    }

    private final OnnxExecutor executor;
    private final int blockSize;
    private final String owner;
    private final Map<Key, ModelSession> sessions = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param blockSize rows per block (the setting {@code block.size})
     * @param owner     the scoring method, naming the executor sessions ({@code scoring/<owner>/neighbours-...})
     */
    public NeighbourSearch(OnnxExecutor executor, int blockSize, String owner) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block.size must be >= 1, was " + blockSize);
        }
        this.executor = executor;
        this.blockSize = blockSize;
        this.owner = owner;
    }

    /** The graph of one block: squared distances of every query row to every reference row, then TopK. */
    static InferenceModel.Builder model(String owner, int width, int k) {
        Graph g = Graph.create(0);
        Tensor q = g.input(QUERY, Shape.of(Shape.DYNAMIC, width));
        Tensor r = g.input(REFERENCE, Shape.of(Shape.DYNAMIC, width));
        Tensor qq = Ops.reduceSum(Ops.mul(q, q), true, 1);                   // [b, 1]
        Tensor rr = Ops.reduceSum(Ops.mul(r, r), false, 1);                  // [m]
        Tensor cross = Ops.gemm(q, r, null, 2.0, 0.0, false, true);        // [b, m] = 2 q·rᵀ
        // TopK keeps the largest: rank by -distance = 2 q·r - |q|² - |r|².
        Tensor negDist = Ops.sub(cross, Ops.add(qq, rr));
        ShapeOps.TopK top = ShapeOps.topK(negDist, k, 1);
        // Rounding can make a distance to an identical row slightly negative; distances are never below 0.
        Tensor dist = Ops.relu(Ops.neg(top.values()));
        return InferenceModel.builder(g).name(owner + "-neighbours")
                .output(DISTANCE, dist).output(INDEX, top.indices());
    }

    private ModelSession session(int width, int k) {
        if (closed) {
            throw new IllegalStateException("the neighbour search was closed (its scoring component went away)");
        }
        return sessions.computeIfAbsent(new Key(width, k),
                key -> executor.load("scoring/" + owner + "/neighbours-" + width + "-k" + k,
                        model(owner, width, k).build()));
    }

    /**
     * The {@code k} nearest rows of {@code reference} for every row of {@code queries}.
     *
     * @param queries   row-major, {@code nq} rows of {@code width}
     * @param reference row-major, {@code nr} rows of {@code width}; needs {@code nr >= k}
     */
    public Neighbours search(float[] queries, int nq, float[] reference, int nr, int width, int k) {
        if (k < 1 || k > nr) {
            throw new IllegalArgumentException("cannot find " + k + " nearest neighbours among " + nr + " reference rows");
        }
        if ((long) nq * width != queries.length || (long) nr * width != reference.length) {
            throw new IllegalArgumentException("neighbour search: " + queries.length + " query and " + reference.length
                    + " reference values are not rows of width " + width);
        }
        int[] bestIndex = new int[nq * k];
        float[] bestDist = new float[nq * k];
        Arrays.fill(bestDist, Float.POSITIVE_INFINITY);
        Arrays.fill(bestIndex, -1);
        var env = executor.environment();
        List<OnnxTensor> refBlocks = new ArrayList<>();
        try {
            for (int r0 = 0; r0 < nr; r0 += blockSize) {
                int rows = Math.min(blockSize, nr - r0);
                refBlocks.add(OnnxTensor.createTensor(env, direct(reference, r0 * width, rows * width),
                        new long[] {rows, width}));
            }
            for (int q0 = 0; q0 < nq; q0 += blockSize) {
                int qRows = Math.min(blockSize, nq - q0);
                try (OnnxTensor qt = OnnxTensor.createTensor(env, direct(queries, q0 * width, qRows * width),
                        new long[] {qRows, width})) {
                    for (int b = 0; b < refBlocks.size(); b++) {
                        int r0 = b * blockSize;
                        int rows = Math.min(blockSize, nr - r0);
                        int kb = Math.min(k, rows);
                        try (OrtSession.Result out = session(width, kb).run(Map.of(QUERY, qt, REFERENCE, refBlocks.get(b)))) {
                            FloatBuffer d = ((OnnxTensor) out.get(DISTANCE).orElseThrow()).getFloatBuffer();
                            LongBuffer ix = ((OnnxTensor) out.get(INDEX).orElseThrow()).getLongBuffer();
                            for (int i = 0; i < qRows; i++) {
                                int at = (q0 + i) * k;
                                for (int c = 0; c < kb; c++) {
                                    insert(bestDist, bestIndex, at, k, d.get(i * kb + c), r0 + (int) ix.get(i * kb + c));
                                }
                            }
                        }
                    }
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("neighbour search failed on the executor: " + e.getMessage(), e);
        } finally {
            refBlocks.forEach(OnnxTensor::close);
        }
        return new Neighbours(k, bestIndex, bestDist);
    }

    /** Inserts a candidate into the sorted list {@code [at, at+k)}; ties keep the earlier (lower) index first. */
    private static void insert(float[] dist, int[] index, int at, int k, float d, int i) {
        int end = at + k;
        if (!(d < dist[end - 1])) {
            return;
        }
        int p = end - 1;
        while (p > at && d < dist[p - 1]) {
            dist[p] = dist[p - 1];
            index[p] = index[p - 1];
            p--;
        }
        dist[p] = d;
        index[p] = i;
    }

    private static FloatBuffer direct(float[] values, int offset, int length) {
        FloatBuffer b = ByteBuffer.allocateDirect(length * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        b.put(values, offset, length).rewind();
        return b;
    }

    public int blockSize() {
        return blockSize;
    }

    @Override
    public void close() {
        closed = true;
        sessions.values().forEach(ModelSession::close);
        sessions.clear();
    }
}
