package org.hourglass.data.onnxactivations;

/**
 * How the sentence embedding moves when one token's row of the model's output moves: the embedding is
 * {@code e = m / ‖m‖} with {@code m} the mean of the output over the document's {@code T} tokens, so its Jacobian
 * with respect to one token's row is {@code J = (I − e eᵀ) / (T ‖m‖)}. The data source's {@code gradient=embedding}
 * option yields, per token, the vector {@code g = e / (T ‖m‖)}, from which {@code J = ‖g‖ I − g gᵀ / ‖g‖} and
 * {@code ‖J w‖ = sqrt(‖g‖² ‖w‖² − (g·w)²)} for any direction {@code w}.
 *
 * <p>Why not a loss gradient: the change of the embedding, {@code L(δ) = 1 − cos(e(x + δ), e(x))}, has gradient 0
 * at δ = 0 (it is at its minimum there), so {@code |W_dec ∇L|} would be 0 for every latent. Its first non-zero
 * term is {@code L ≈ ½ ‖J δ‖²}, and {@code ‖J w‖} is the first-order size of the embedding change per unit of a
 * latent with decoder direction {@code w}.
 */
final class EmbeddingSensitivity {

    private EmbeddingSensitivity() {
    }

    /**
     * {@code g = m / (T ‖m‖²)} for the document whose {@code tokens} rows of {@code width} values start at
     * {@code offset} in {@code hidden} (every attended token, as the model's pooling counts them); zeros when
     * {@code m} is 0 (the embedding is undefined there).
     */
    static float[] vector(float[] hidden, int offset, int tokens, int width) {
        double[] m = new double[width];
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < width; j++) {
                m[j] += hidden[offset + t * width + j];
            }
        }
        double sq = 0;
        for (int j = 0; j < width; j++) {
            m[j] /= tokens;
            sq += m[j] * m[j];
        }
        float[] g = new float[width];
        if (sq > 0) {
            for (int j = 0; j < width; j++) {
                g[j] = (float) (m[j] / (tokens * sq));
            }
        }
        return g;
    }
}
