package org.hourglass.pipeline.internal;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Reference detector for evaluations: an Isolation Forest (Liu, Ting and Zhou, 2008). Each of {@value #TREES}
 * trees is grown on a seeded subsample of {@value #SUBSAMPLE} training samples (all when there are fewer) by random
 * axis-parallel splits, uniform between the node's minimum and maximum of a random feature, down to a height limit
 * of ceil(log2 subsample). A sample's score is {@code 2^(-E[h(x)] / c(subsample))}: h is the depth of the leaf it
 * reaches plus c(size of that leaf) for the part of the tree not grown; anomalies are isolated early and score near
 * 1. A feature that is constant within a node cannot split it, so the feature is drawn among those that vary there
 * (images have many pixels that are always 0); a node whose samples are all equal is a leaf.
 */
final class IsolationForest {

    static final int TREES = 100;
    static final int SUBSAMPLE = 256;
    /** Euler-Mascheroni constant, for the harmonic number in c(n). */
    private static final double EULER = 0.5772156649015329;
    /** Random draws of a feature before the node's varying features are listed. */
    private static final int DRAWS = 32;

    /** One tree as parallel arrays; node 0 is the root; feature -1 marks a leaf holding {@code size} samples. */
    private record Tree(int[] feature, double[] split, int[] left, int[] right, int[] size) {
    }

    private final int width;
    private final int subsample;
    private final Tree[] trees;

    private IsolationForest(int width, int subsample, Tree[] trees) {
        this.width = width;
        this.subsample = subsample;
        this.trees = trees;
    }

    static IsolationForest fit(float[] values, int n, int width, long seed) {
        return fit(values, n, width, TREES, SUBSAMPLE, seed);
    }

    static IsolationForest fit(float[] values, int n, int width, int trees, int subsample, long seed) {
        if (n < 1 || width < 1 || (long) n * width != values.length) {
            throw new IllegalArgumentException("isolation forest: " + values.length + " values are not " + n
                    + " samples of " + width + " features");
        }
        int psi = Math.min(subsample, n);
        int heightLimit = (int) Math.ceil(Math.log(psi) / Math.log(2));
        SplittableRandom random = new SplittableRandom(seed);
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        Tree[] forest = new Tree[trees];
        for (int t = 0; t < trees; t++) {
            // A partial Fisher-Yates shuffle draws psi distinct samples.
            for (int i = 0; i < psi; i++) {
                int j = i + random.nextInt(n - i);
                int x = all[i];
                all[i] = all[j];
                all[j] = x;
            }
            forest[t] = new Builder(values, width, psi, random).grow(Arrays.copyOf(all, psi), heightLimit);
        }
        return new IsolationForest(width, psi, forest);
    }

    /** Anomaly scores in (0, 1]: higher is more anomalous. */
    double[] score(float[] samples, int count) {
        if ((long) count * width != samples.length) {
            throw new IllegalArgumentException("isolation forest: " + samples.length + " values are not " + count
                    + " samples of " + width + " features");
        }
        double norm = c(subsample);
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            double sum = 0;
            for (Tree tree : trees) {
                sum += pathLength(tree, samples, i * width);
            }
            double mean = sum / trees.length;
            // With one training sample c is 0 and every path is 0: nothing is isolated, score 0.5 as the paper's limit.
            out[i] = norm > 0 ? Math.pow(2, -mean / norm) : 0.5;
        }
        return out;
    }

    /** h(x): edges from the root to the leaf x reaches, plus c(leaf size). */
    static double pathLength(Tree tree, float[] samples, int at) {
        int node = 0;
        int depth = 0;
        while (tree.feature()[node] >= 0) {
            node = samples[at + tree.feature()[node]] < tree.split()[node] ? tree.left()[node] : tree.right()[node];
            depth++;
        }
        return depth + c(tree.size()[node]);
    }

    /**
     * c(n): the average path length of an unsuccessful search in a binary search tree of n samples, which
     * normalises path lengths: 2 H(n-1) - 2 (n-1) / n with H(i) ~ ln(i) + Euler's constant; c(2) = 1, c(n < 2) = 0.
     */
    static double c(int n) {
        if (n <= 1) {
            return 0;
        }
        if (n == 2) {
            return 1;
        }
        return 2 * (Math.log(n - 1.0) + EULER) - 2.0 * (n - 1) / n;
    }

    int subsample() {
        return subsample;
    }

    /** Grows one tree into growing arrays. */
    private static final class Builder {
        private final float[] values;
        private final int width;
        private final SplittableRandom random;
        private int nodes;
        private int[] feature;
        private double[] split;
        private int[] left;
        private int[] right;
        private int[] size;

        Builder(float[] values, int width, int psi, SplittableRandom random) {
            this.values = values;
            this.width = width;
            this.random = random;
            int capacity = 2 * psi; // a binary tree with at most psi leaves has fewer than 2 psi nodes
            feature = new int[capacity];
            split = new double[capacity];
            left = new int[capacity];
            right = new int[capacity];
            size = new int[capacity];
        }

        Tree grow(int[] rows, int heightLimit) {
            node(rows, 0, rows.length, 0, heightLimit);
            return new Tree(Arrays.copyOf(feature, nodes), Arrays.copyOf(split, nodes), Arrays.copyOf(left, nodes),
                    Arrays.copyOf(right, nodes), Arrays.copyOf(size, nodes));
        }

        /** Builds the node of rows[from, to) and returns its index. */
        private int node(int[] rows, int from, int to, int depth, int heightLimit) {
            int id = nodes++;
            int n = to - from;
            feature[id] = -1;
            size[id] = n;
            if (depth >= heightLimit || n <= 1) {
                return id;
            }
            int f = varyingFeature(rows, from, to);
            if (f < 0) {
                return id; // all samples equal
            }
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = from; i < to; i++) {
                double v = values[rows[i] * width + f];
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            double p = min + random.nextDouble() * (max - min);
            if (!(p > min)) {
                p = max; // p must be above the minimum so that both sides hold samples (x < p goes left)
            }
            int mid = from;
            for (int i = from; i < to; i++) { // partition: values below p first
                if (values[rows[i] * width + f] < p) {
                    int t = rows[mid];
                    rows[mid] = rows[i];
                    rows[i] = t;
                    mid++;
                }
            }
            feature[id] = f;
            split[id] = p;
            int l = node(rows, from, mid, depth + 1, heightLimit);
            int r = node(rows, mid, to, depth + 1, heightLimit);
            left[id] = l;
            right[id] = r;
            return id;
        }

        /** A feature drawn uniformly among those that take more than one value in rows[from, to), or -1. */
        private int varyingFeature(int[] rows, int from, int to) {
            for (int d = 0; d < DRAWS; d++) {
                int f = random.nextInt(width);
                if (varies(rows, from, to, f)) {
                    return f;
                }
            }
            int[] varying = new int[width];
            int count = 0;
            for (int f = 0; f < width; f++) {
                if (varies(rows, from, to, f)) {
                    varying[count++] = f;
                }
            }
            return count == 0 ? -1 : varying[random.nextInt(count)];
        }

        private boolean varies(int[] rows, int from, int to, int f) {
            float first = values[rows[from] * width + f];
            for (int i = from + 1; i < to; i++) {
                if (values[rows[i] * width + f] != first) {
                    return true;
                }
            }
            return false;
        }
    }
}
