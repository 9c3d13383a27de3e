package org.hourglass.family.topk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Tensor;
import org.hourglass.testing.FamilyTraining;
import org.hourglass.testing.FiniteDifferences;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference check of the whole TopK SAE loss (reconstruction MSE + AuxK on a given set of dead latents) in
 * float64 through ONNX Runtime: the engine's symbolic gradients with respect to x, W_enc, b_enc, W_dec and b_pre
 * against central differences (h = 1e-6 relative), tolerance 1e-6 absolute + 1e-5 relative.
 */
class TopkGradientTest {

    private static final int N = 5;
    private static final int D = 4;
    private static final int LATENTS = 10;

    @Test
    void lossGradientsMatchFiniteDifferences() {
        FiniteDifferences fd = new FiniteDifferences(3, 17);
        Graph g = fd.graph();
        Tensor x = fd.randomInput("x", N, D);
        Tensor wEnc = fd.randomInput("w_enc", D, LATENTS);
        Tensor bEnc = fd.randomInput("b_enc", LATENTS);
        Tensor wDec = fd.randomInput("w_dec", LATENTS, D);
        Tensor bPre = fd.randomInput("b_pre", D);
        Tensor dead = fd.constantInput("dead", new double[] {0, 1, 0, 1, 1, 0, 0, 1, 1, 0}, LATENTS);
        // The residual AuxK fits is a constant for the gradient (stop-gradient of x - x̂), so it is a plain input
        // here: finite differences would otherwise see it move.
        Tensor residual = fd.constantInput("residual", fd.uniform(N * D), N, D);

        TopkNetwork.Forward f = TopkNetwork.forward(g, x, wEnc, bEnc, wDec, bPre, 3);
        Tensor aux = TopkNetwork.auxLoss(g, f.pre(), wDec, residual, dead, 3, 0.7);
        Tensor loss = Ops.add(FamilyTraining.mse(f.reconstruction(), x), aux);
        assertTrue(fd.evaluate(Map.of("aux", aux)).get("aux")[0] > 0, "the AuxK term is active");
        assertEquals(N * D + 2 * D * LATENTS + LATENTS + D, fd.checkLoss(loss));
    }
}
