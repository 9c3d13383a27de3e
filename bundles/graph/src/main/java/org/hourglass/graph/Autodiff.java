package org.hourglass.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode differentiation: finds the nodes on a path from {@code wrt} to the loss, orders them
 * topologically (Kahn's algorithm, no recursion, so graphs of any depth work), walks them in reverse and asks
 * {@link GradientRules} for each node's input gradients, summing contributions to tensors used more than once.
 * The backward pass is appended to the loss's graph as ordinary nodes named {@code grad/<node>/...}.
 */
public final class Autodiff {

    private Autodiff() {
    }

    /**
     * Appends the backward pass of {@code loss} (a scalar) and returns the gradient of every tensor in
     * {@code wrt} (parameters or inputs of the loss's graph). A tensor the loss does not depend on gets a zero
     * gradient. The gradient nodes are plain ONNX, so inference models may contain them.
     *
     * @throws IllegalArgumentException naming the op when a node on the path has no gradient rule
     */
    public static Map<Tensor, Tensor> gradients(Tensor loss, List<Tensor> wrt) {
        return gradients(loss, wrt, false);
    }

    /**
     * @param fused whether float32 matrix products may use ONNX Runtime's {@code FusedMatMul} (train steps only:
     *              a contrib op, kept out of the public {@link #gradients(Tensor, List)}, which inference models use);
     *              passed to every gradient rule
     */
    static Map<Tensor, Tensor> gradients(Tensor loss, List<Tensor> wrt, boolean fused) {
        Graph g = loss.graph();
        if (loss.rank() != 0 || !loss.dtype().isFloating()) {
            throw new IllegalArgumentException("the loss must be a floating scalar, got " + loss
                    + " (reduce it with mean() or sum())");
        }
        for (Tensor w : wrt) {
            if (w.graph() != g || !w.dtype().isFloating()) {
                throw new IllegalArgumentException("cannot differentiate with respect to " + w
                        + ": it must be a floating tensor of this graph");
            }
        }
        List<Node> snapshot = new ArrayList<>(g.nodes());

        // Tensors that depend on wrt: one forward sweep in creation order (a topological order).
        Set<Tensor> dependsOnWrt = new HashSet<>(wrt);
        Set<Node> affected = new HashSet<>();
        for (Node n : snapshot) {
            for (Tensor in : n.inputs()) {
                if (in != null && dependsOnWrt.contains(in)) {
                    affected.add(n);
                    dependsOnWrt.addAll(n.outputs());
                    break;
                }
            }
        }
        // Nodes the loss depends on: backward worklist from the loss.
        Set<Node> ancestors = new HashSet<>();
        Deque<Tensor> work = new ArrayDeque<>();
        work.add(loss);
        while (!work.isEmpty()) {
            Node p = work.removeLast().producer();
            if (p != null && ancestors.add(p)) {
                for (Tensor in : p.inputs()) {
                    if (in != null) {
                        work.add(in);
                    }
                }
            }
        }
        List<Node> relevant = new ArrayList<>();
        for (Node n : snapshot) {
            if (affected.contains(n) && ancestors.contains(n)) {
                relevant.add(n);
            }
        }
        List<Node> order = topologicalOrder(relevant);

        Map<Tensor, Tensor> grads = new HashMap<>();
        grads.put(loss, g.scalar(1.0, loss.dtype()));
        for (int i = order.size() - 1; i >= 0; i--) {
            Node node = order.get(i);
            Tensor[] gradOut = new Tensor[node.outputs().size()];
            boolean any = false;
            for (int k = 0; k < gradOut.length; k++) {
                gradOut[k] = grads.get(node.output(k));
                any |= gradOut[k] != null;
            }
            if (!any) {
                continue;
            }
            GradientRules.Rule rule = GradientRules.rule(node);
            if (rule == GradientRules.NONE) {
                continue;
            }
            Deque<String> scope = new ArrayDeque<>(List.of("grad", node.name()));
            Tensor[] gradIn = g.withScopes(scope, () -> rule.apply(g, node, gradOut, fused));
            for (int k = 0; k < node.inputs().size(); k++) {
                Tensor in = node.input(k);
                if (in == null || !dependsOnWrt.contains(in) || !in.dtype().isFloating()) {
                    continue;
                }
                Tensor gin = k < gradIn.length ? gradIn[k] : null;
                if (gin == null) {
                    throw new IllegalArgumentException("the gradient rule of " + node.opType() + " (node '" + node.name()
                            + "') gives no gradient for input " + k + " (" + in + "), which depends on a differentiated "
                            + "tensor; use stopGradient() if that is intended");
                }
                checkShape(node, k, in, gin);
                Tensor prev = grads.get(in);
                grads.put(in, prev == null ? gin : g.withScopes(new ArrayDeque<>(List.of("grad", "sum")),
                        () -> Ops.add(prev, gin)));
            }
        }
        Map<Tensor, Tensor> out = new LinkedHashMap<>();
        for (Tensor w : wrt) {
            Tensor gw = grads.get(w);
            if (gw == null) {
                gw = g.withScopes(new ArrayDeque<>(List.of("grad", "unused")), () -> GradOps.zerosLike(w, w.dtype()));
            }
            out.put(w, gw);
        }
        return out;
    }

    /** Kahn's algorithm over the given nodes; ties keep creation order, so the result is deterministic. */
    static List<Node> topologicalOrder(List<Node> nodes) {
        Map<Tensor, Node> producerOf = new HashMap<>();
        for (Node n : nodes) {
            for (Tensor t : n.outputs()) {
                producerOf.put(t, n);
            }
        }
        Map<Node, Integer> indegree = new HashMap<>();
        Map<Node, List<Node>> consumers = new HashMap<>();
        for (Node n : nodes) {
            int deg = 0;
            Set<Node> seen = new HashSet<>();
            for (Tensor in : n.inputs()) {
                Node p = in == null ? null : producerOf.get(in);
                if (p != null && seen.add(p)) {
                    deg++;
                    consumers.computeIfAbsent(p, k -> new ArrayList<>()).add(n);
                }
            }
            indegree.put(n, deg);
        }
        java.util.PriorityQueue<Node> ready = new java.util.PriorityQueue<>(
                java.util.Comparator.comparingInt(Node::index));
        for (Node n : nodes) {
            if (indegree.get(n) == 0) {
                ready.add(n);
            }
        }
        List<Node> order = new ArrayList<>(nodes.size());
        while (!ready.isEmpty()) {
            Node n = ready.poll();
            order.add(n);
            for (Node c : consumers.getOrDefault(n, List.of())) {
                if (indegree.merge(c, -1, Integer::sum) == 0) {
                    ready.add(c);
                }
            }
        }
        if (order.size() != nodes.size()) {
            throw new IllegalStateException("the graph has a cycle among " + (nodes.size() - order.size()) + " nodes");
        }
        return order;
    }

    private static void checkShape(Node node, int k, Tensor in, Tensor gin) {
        Shape a = in.shape();
        Shape b = gin.shape();
        boolean ok = a.rank() == b.rank() && gin.dtype() == in.dtype();
        for (int i = 0; ok && i < a.rank(); i++) {
            ok = a.dim(i) == b.dim(i) || a.dim(i) == Shape.DYNAMIC || b.dim(i) == Shape.DYNAMIC;
        }
        if (!ok) {
            throw new IllegalStateException("gradient rule of " + node.opType() + " (node '" + node.name()
                    + "') produced " + gin + " for input " + k + " " + in);
        }
    }
}
