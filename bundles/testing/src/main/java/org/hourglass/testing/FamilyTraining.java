package org.hourglass.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.graph.Ops;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;
import org.hourglass.training.TrainingListener;
import org.hourglass.spi.FamilyOutputs;

/** Training a family's graph in a unit test the way a pipeline with the mse loss does, and data to train it on. */
public final class FamilyTraining {

    private FamilyTraining() {
    }

    /**
     * The train step of a family built in {@code ctx}: mean squared reconstruction error plus the family's loss
     * terms, Adam, and the family's diagnostics as {@link TrainStep#diagnostic diagnostics}.
     */
    public static TrainStepModel trainStep(TestContext ctx, FamilyOutputs out) {
        Graph g = ctx.graph();
        Tensor loss = mse(out.reconstruction(), ctx.input());
        for (Tensor term : out.lossTerms().values()) {
            loss = Ops.add(loss, term);
        }
        TrainStep step = TrainStep.builder(g).loss(loss).optimizer(Optimizer.adam());
        out.diagnostics().forEach(step::diagnostic);
        return step.build();
    }

    /**
     * Mean squared error over all elements, {@code mean((prediction - target)^2)}: the mse loss plug-in's value for
     * unweighted batches, without a plug-in instance.
     */
    public static Tensor mse(Tensor prediction, Tensor target) {
        return Ops.mean(Ops.pow(Ops.sub(prediction, target), 2));
    }

    /** Trains {@code model} on {@code rows} samples {@code x} (input {@code x}) and returns each epoch's summary. */
    public static List<TrainingListener.EpochSummary> epochs(TrainStepModel model, float[] x, int rows,
                                                             TrainingConfig config) {
        List<TrainingListener.EpochSummary> out = new ArrayList<>();
        try (GraphRunner runner = new GraphRunner();
             Trainer trainer = new Trainer(runner.executor(), model, "family-training")) {
            trainer.fit(TrainingData.of("x", x, rows), config, TrainingListener.onEpochs(out::add));
        }
        return out;
    }

    /** {@code atoms} random unit directions of width {@code d}, row-major, drawn from {@code r} (Gaussian, normalised). */
    public static double[] unitAtoms(Random r, int atoms, int d) {
        double[] dict = new double[atoms * d];
        for (int a = 0; a < atoms; a++) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                dict[a * d + j] = r.nextGaussian();
                norm += dict[a * d + j] * dict[a * d + j];
            }
            for (int j = 0; j < d; j++) {
                dict[a * d + j] /= Math.sqrt(norm);
            }
        }
        return dict;
    }

    /**
     * {@code n} samples of width {@code d} that a sparse code explains: each is 0.5 plus a positive mix of 3 of
     * {@code atoms} random unit directions (coefficients in [0.5, 1.5)), from {@code seed}.
     */
    public static float[] sparseMixtures(int n, int d, int atoms, long seed) {
        Random r = new Random(seed);
        double[] dict = unitAtoms(r, atoms, d);
        float[] x = new float[n * d];
        for (int s = 0; s < n; s++) {
            java.util.Arrays.fill(x, s * d, (s + 1) * d, 0.5f);
            for (int t = 0; t < 3; t++) {
                int a = r.nextInt(atoms);
                double c = 0.5 + r.nextDouble();
                for (int j = 0; j < d; j++) {
                    x[s * d + j] += (float) (c * dict[a * d + j]);
                }
            }
        }
        return x;
    }
}
