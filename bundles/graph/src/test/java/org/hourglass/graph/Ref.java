package org.hourglass.graph;

/** Plain-Java float64 forward implementations of the ops ONNX Runtime only runs in float32 (NCHW, row-major). */
final class Ref {

    private Ref() {
    }

    /** erf by its Maclaurin series (|x| <= 3 here: about 1e-13 absolute after cancellation). */
    static double erf(double x) {
        if (Math.abs(x) > 4) {
            throw new IllegalArgumentException("reference erf is only accurate for |x| <= 4");
        }
        double sum = 0;
        double term = x; // x^(2n+1) (-1)^n / n!
        for (int n = 0; n < 200; n++) {
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.abs(add) < 1e-18) {
                break;
            }
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    static double gelu(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    static double softplus(double x) {
        return Math.log1p(Math.exp(x));
    }

    /** y[n, o, i, j] = b[o] + sum w[o, c, u, v] * x[n, g*cg + c, i*s - p + u*d, j*s - p + v*d]. */
    static double[] conv2d(double[] x, long[] xs, double[] w, long[] ws, double[] b, long[] s, long[] p, long[] d,
                           int groups) {
        int n = (int) xs[0], c = (int) xs[1], h = (int) xs[2], wd = (int) xs[3];
        int o = (int) ws[0], cg = (int) ws[1], kh = (int) ws[2], kw = (int) ws[3];
        int og = o / groups;
        int ho = (int) Math.floorDiv(h + p[0] + p[2] - ((kh - 1) * d[0] + 1), s[0]) + 1;
        int wo = (int) Math.floorDiv(wd + p[1] + p[3] - ((kw - 1) * d[1] + 1), s[1]) + 1;
        double[] y = new double[n * o * ho * wo];
        for (int bi = 0; bi < n; bi++) {
            for (int oc = 0; oc < o; oc++) {
                int grp = oc / og;
                for (int i = 0; i < ho; i++) {
                    for (int j = 0; j < wo; j++) {
                        double acc = b == null ? 0 : b[oc];
                        for (int ci = 0; ci < cg; ci++) {
                            int ch = grp * cg + ci;
                            for (int u = 0; u < kh; u++) {
                                long r = i * s[0] - p[0] + u * d[0];
                                if (r < 0 || r >= h) {
                                    continue;
                                }
                                for (int v = 0; v < kw; v++) {
                                    long q = j * s[1] - p[1] + v * d[1];
                                    if (q < 0 || q >= wd) {
                                        continue;
                                    }
                                    acc += w[((oc * cg + ci) * kh + u) * kw + v]
                                            * x[((bi * c + ch) * h + (int) r) * wd + (int) q];
                                }
                            }
                        }
                        y[((bi * o + oc) * ho + i) * wo + j] = acc;
                    }
                }
            }
        }
        return y;
    }

    /** The transposed convolution: every input pixel scatters its kernel-weighted value into the output. */
    static double[] convTranspose2d(double[] x, long[] xs, double[] w, long[] ws, double[] b, long[] s, long[] p,
                                    long[] d, int groups, long[] op) {
        int n = (int) xs[0], c = (int) xs[1], h = (int) xs[2], wd = (int) xs[3];
        int og = (int) ws[1], kh = (int) ws[2], kw = (int) ws[3];
        int cg = c / groups;
        int o = og * groups;
        int ho = (int) (s[0] * (h - 1) + op[0] + (kh - 1) * d[0] + 1 - p[0] - p[2]);
        int wo = (int) (s[1] * (wd - 1) + op[1] + (kw - 1) * d[1] + 1 - p[1] - p[3]);
        double[] y = new double[n * o * ho * wo];
        for (int bi = 0; bi < n; bi++) {
            for (int oc = 0; oc < o; oc++) {
                for (int i = 0; i < ho; i++) {
                    for (int j = 0; j < wo; j++) {
                        y[((bi * o + oc) * ho + i) * wo + j] = b == null ? 0 : b[oc];
                    }
                }
            }
            for (int ch = 0; ch < c; ch++) {
                int grp = ch / cg;
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < wd; j++) {
                        double xv = x[((bi * c + ch) * h + i) * wd + j];
                        for (int oo = 0; oo < og; oo++) {
                            int oc = grp * og + oo;
                            for (int u = 0; u < kh; u++) {
                                long r = i * s[0] - p[0] + u * d[0];
                                if (r < 0 || r >= ho) {
                                    continue;
                                }
                                for (int v = 0; v < kw; v++) {
                                    long q = j * s[1] - p[1] + v * d[1];
                                    if (q < 0 || q >= wo) {
                                        continue;
                                    }
                                    y[((bi * o + oc) * ho + (int) r) * wo + (int) q] +=
                                            xv * w[((ch * og + oo) * kh + u) * kw + v];
                                }
                            }
                        }
                    }
                }
            }
        }
        return y;
    }

    static double[] avgPool(double[] x, long[] xs, long[] k, long[] s, long[] p, boolean includePad) {
        int n = (int) xs[0], c = (int) xs[1], h = (int) xs[2], w = (int) xs[3];
        int ho = (int) Math.floorDiv(h + p[0] + p[2] - k[0], s[0]) + 1;
        int wo = (int) Math.floorDiv(w + p[1] + p[3] - k[1], s[1]) + 1;
        double[] y = new double[n * c * ho * wo];
        for (int bc = 0; bc < n * c; bc++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++) {
                    double acc = 0;
                    int count = 0;
                    for (int u = 0; u < k[0]; u++) {
                        for (int v = 0; v < k[1]; v++) {
                            long r = i * s[0] - p[0] + u;
                            long q = j * s[1] - p[1] + v;
                            if (r >= 0 && r < h && q >= 0 && q < w) {
                                acc += x[(bc * h + (int) r) * w + (int) q];
                                count++;
                            }
                        }
                    }
                    y[(bc * ho + i) * wo + j] = acc / (includePad ? k[0] * k[1] : count);
                }
            }
        }
        return y;
    }

    /** The last two dimensions of {@code x} (shape {@code xs}) swapped. */
    static double[] transposeLast(double[] x, long[] xs) {
        int r = xs.length;
        int m = (int) xs[r - 2], n = (int) xs[r - 1];
        double[] y = new double[x.length];
        for (int b = 0; b < x.length / (m * n); b++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    y[b * m * n + j * m + i] = x[b * m * n + i * n + j];
                }
            }
        }
        return y;
    }

    /** numpy's matmul for ranks >= 2: leading dimensions broadcast (the shorter shape padded with 1s in front). */
    static double[] matmul(double[] a, long[] as, double[] b, long[] bs) {
        int rank = Math.max(as.length, bs.length);
        long[] pa = pad(as, rank);
        long[] pb = pad(bs, rank);
        int m = (int) pa[rank - 2], k = (int) pa[rank - 1], n = (int) pb[rank - 1];
        long[] batch = new long[rank - 2];
        int count = 1;
        for (int i = 0; i < rank - 2; i++) {
            batch[i] = Math.max(pa[i], pb[i]);
            count *= (int) batch[i];
        }
        double[] y = new double[count * m * n];
        for (int c = 0; c < count; c++) {
            // Offsets of this batch entry in a and b: index 0 along broadcast (size 1) dimensions.
            int oa = 0, ob = 0, rest = c;
            int strideA = 1, strideB = 1;
            for (int i = rank - 3; i >= 0; i--) {
                int idx = (int) (rest % batch[i]);
                rest /= (int) batch[i];
                oa += (pa[i] == 1 ? 0 : idx) * strideA;
                ob += (pb[i] == 1 ? 0 : idx) * strideB;
                strideA *= (int) pa[i];
                strideB *= (int) pb[i];
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int q = 0; q < k; q++) {
                        acc += a[oa * m * k + i * k + q] * b[ob * k * n + q * n + j];
                    }
                    y[(c * m + i) * n + j] = acc;
                }
            }
        }
        return y;
    }

    private static long[] pad(long[] s, int rank) {
        long[] p = new long[rank];
        java.util.Arrays.fill(p, 1L);
        System.arraycopy(s, 0, p, rank - s.length, s.length);
        return p;
    }

    /** Layer normalisation over consecutive groups of {@code m} values (the dimensions from the axis on). */
    static double[] layerNorm(double[] x, double[] scale, double[] bias, int m, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / m; r++) {
            double mean = 0;
            for (int i = 0; i < m; i++) {
                mean += x[r * m + i];
            }
            mean /= m;
            double var = 0;
            for (int i = 0; i < m; i++) {
                double d = x[r * m + i] - mean;
                var += d * d;
            }
            double inv = 1 / Math.sqrt(var / m + eps);
            for (int i = 0; i < m; i++) {
                y[r * m + i] = (x[r * m + i] - mean) * inv * scale[i] + bias[i];
            }
        }
        return y;
    }

    static double[] upsample2x(double[] x, long[] xs) {
        int nc = (int) (xs[0] * xs[1]), h = (int) xs[2], w = (int) xs[3];
        double[] y = new double[nc * 4 * h * w];
        for (int bc = 0; bc < nc; bc++) {
            for (int i = 0; i < 2 * h; i++) {
                for (int j = 0; j < 2 * w; j++) {
                    y[(bc * 2 * h + i) * 2 * w + j] = x[(bc * h + i / 2) * w + j / 2];
                }
            }
        }
        return y;
    }
}
