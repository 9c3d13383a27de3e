package org.hourglass.pipeline.internal;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.hourglass.scoring.neighbours.ReferenceSets;

/**
 * Reference detector for evaluations: principal component analysis of the training samples, scoring a sample by
 * its squared distance to the principal subspace (the reconstruction error of the linear autoencoder that PCA is).
 * The subspace keeps the fewest leading components that explain {@value #EXPLAINED} of the training variance (at
 * most one fewer than the features, so something is left to score), so
 * the rule depends on the data only, not on the pipeline's model.
 *
 * <p>Cost is bounded whatever the data's size: at most {@value #MAX_ROWS} training rows are used (a seeded
 * subset), and when both the rows and the width exceed {@value #MAX_MATRIX} the rows are cut to that many and the
 * components come from the rows' Gram matrix instead of the features' covariance, so the eigen-decomposition is
 * never of a matrix larger than {@value #MAX_MATRIX}². The decomposition is EJML's symmetric QR algorithm, in
 * double precision (Apache Commons Math's failed to converge on the covariance of smoothed Fashion-MNIST trousers;
 * EJML decomposed all ten classes, in about half the time).
 */
final class PcaDetector {

    static final double EXPLAINED = 0.9;
    static final int MAX_ROWS = 10_000;
    static final int MAX_MATRIX = 1024;

    private final int width;
    private final double[] mean;
    /** The kept components, {@code components} unit rows of {@code width}, row-major. */
    private final double[] basis;
    private final int components;
    private final int rows;

    private PcaDetector(int width, double[] mean, double[] basis, int components, int rows) {
        this.width = width;
        this.mean = mean;
        this.basis = basis;
        this.components = components;
        this.rows = rows;
    }

    static PcaDetector fit(float[] values, int n, int width, long seed) {
        if (n < 2 || width < 1 || (long) n * width != values.length) {
            throw new IllegalArgumentException("PCA baseline: needs at least 2 samples; " + values.length
                    + " values are not " + n + " samples of " + width + " features");
        }
        int cap = width > MAX_MATRIX ? Math.min(MAX_ROWS, MAX_MATRIX) : MAX_ROWS;
        int[] chosen = ReferenceSets.subset(n, cap, seed);
        int m = chosen.length;
        double[] mean = new double[width];
        for (int r : chosen) {
            for (int f = 0; f < width; f++) {
                mean[f] += values[r * width + f];
            }
        }
        for (int f = 0; f < width; f++) {
            mean[f] /= m;
        }
        double[][] centred = new double[m][width];
        for (int i = 0; i < m; i++) {
            int base = chosen[i] * width;
            for (int f = 0; f < width; f++) {
                centred[i][f] = values[base + f] - mean[f];
            }
        }
        // Covariance (width²) when the features are few, else the rows' Gram matrix (m², m <= MAX_MATRIX): both
        // have the same non-zero eigenvalues; a Gram eigenvector u gives the component Xᵀu / sqrt(λ).
        boolean gram = width > MAX_MATRIX;
        int size = gram ? m : width;
        double[][] product = new double[size][size];
        if (gram) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j <= i; j++) {
                    double s = dot(centred[i], centred[j]);
                    product[i][j] = s;
                    product[j][i] = s;
                }
            }
        } else {
            for (double[] row : centred) {
                for (int a = 0; a < width; a++) {
                    double ra = row[a];
                    if (ra == 0) {
                        continue;
                    }
                    double[] pa = product[a];
                    for (int b = 0; b <= a; b++) {
                        pa[b] += ra * row[b];
                    }
                }
            }
            for (int a = 0; a < width; a++) {
                for (int b = 0; b < a; b++) {
                    product[b][a] = product[a][b];
                }
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eigen = DecompositionFactory_DDRM.eig(size, true, true);
        if (!eigen.decompose(new DMatrixRMaj(product))) {
            throw new IllegalStateException("PCA baseline: the eigen-decomposition of the " + size + " x " + size
                    + (gram ? " Gram" : " covariance") + " matrix did not converge");
        }
        double[] eigenvalues = new double[size];
        for (int i = 0; i < size; i++) {
            eigenvalues[i] = eigen.getEigenvalue(i).getReal();
        }
        Integer[] order = new Integer[size];
        double total = 0;
        for (int i = 0; i < size; i++) {
            order[i] = i;
            total += Math.max(0, eigenvalues[i]);
        }
        Arrays.sort(order, (a, b) -> Double.compare(eigenvalues[b], eigenvalues[a]));
        // At most width - 1 components, so a residual is always left to score (with one feature: none, the score
        // is the squared deviation from the mean).
        int maxKeep = Math.min(m - 1, width - 1);
        int keep = 0;
        double explained = 0;
        while (keep < maxKeep && eigenvalues[order[keep]] > 0 && explained < EXPLAINED * total) {
            explained += eigenvalues[order[keep]];
            keep++;
        }
        double[] basis = new double[keep * width];
        for (int c = 0; c < keep; c++) {
            DMatrixRMaj v = eigen.getEigenVector(order[c]);
            if (gram) {
                double scale = 1 / Math.sqrt(Math.max(eigenvalues[order[c]], Double.MIN_NORMAL));
                for (int i = 0; i < m; i++) {
                    double u = v.get(i) * scale;
                    for (int f = 0; f < width; f++) {
                        basis[c * width + f] += u * centred[i][f];
                    }
                }
            } else {
                for (int f = 0; f < width; f++) {
                    basis[c * width + f] = v.get(f);
                }
            }
        }
        return new PcaDetector(width, mean, basis, keep, m);
    }

    /** Squared distance of each of the {@code count} rows of {@code samples} to the principal subspace. */
    double[] score(float[] samples, int count) {
        if ((long) count * width != samples.length) {
            throw new IllegalArgumentException("PCA baseline: " + samples.length + " values are not " + count
                    + " samples of " + width + " features");
        }
        double[] scores = new double[count];
        double[] x = new double[width];
        for (int i = 0; i < count; i++) {
            for (int f = 0; f < width; f++) {
                x[f] = samples[i * width + f] - mean[f];
            }
            // Subtract each (orthonormal) component's projection in turn; the residual's squared length is the
            // score, computed directly rather than as |x|² - |P x|² so that it cannot go negative by rounding.
            for (int c = 0; c < components; c++) {
                double p = 0;
                int base = c * width;
                for (int f = 0; f < width; f++) {
                    p += basis[base + f] * x[f];
                }
                for (int f = 0; f < width; f++) {
                    x[f] -= p * basis[base + f];
                }
            }
            scores[i] = dot(x, x);
        }
        return scores;
    }

    int components() {
        return components;
    }

    int rows() {
        return rows;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
