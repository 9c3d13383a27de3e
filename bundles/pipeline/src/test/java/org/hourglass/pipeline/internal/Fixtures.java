package org.hourglass.pipeline.internal;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Init;
import org.hourglass.graph.Layers;
import org.hourglass.graph.Ops;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.loss.mse.MseLoss;
import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.Samples;
import org.hourglass.spi.ScoringMethod;

/** Small plug-ins and data for pipeline tests. */
final class Fixtures {

    static final int WIDTH = 8;

    private Fixtures() {
    }

    /** A one-hidden-layer autoencoder, enough to learn a low-dimensional subspace. */
    static final AutoencoderFamily TINY_AE = ctx -> {
        Graph g = ctx.graph();
        Tensor h = Ops.tanh(Layers.linear("enc", ShapeOps.flatten(ctx.input(), 1), 16, Init.xavierUniform(1.0)));
        Tensor z = Layers.linear("code", h, ctx.latentSize(), Init.xavierUniform(1.0));
        Tensor out = Layers.linear("dec", Ops.tanh(Layers.linear("dec_h", z, 16, Init.xavierUniform(1.0))),
                ctx.inputSpec().features(), Init.xavierUniform(1.0));
        return FamilyOutputs.of(z, out);
    };

    /** Mean squared reconstruction error. */
    static final ScoringMethod ERROR = new ScoringMethod() {
        @Override
        public Map<String, Object> fit(ModelOutputs reference) {
            return Map.of("fitted_on", reference.input().count());
        }

        @Override
        public double[] score(ModelOutputs batch, Map<String, Object> state) {
            Samples x = batch.input();
            Samples r = batch.output(ModelOutputs.RECONSTRUCTION);
            double[] s = new double[x.count()];
            for (int i = 0; i < s.length; i++) {
                for (int j = 0; j < x.width(); j++) {
                    double d = x.values()[i * x.width() + j] - r.values()[i * x.width() + j];
                    s[i] += d * d / x.width();
                }
            }
            return s;
        }
    };

    /**
     * Normal samples lie on a 2-D plane in 8-D (scaled to about [0, 100]); anomalies (label 1) are uniform noise.
     */
    static Dataset data(int count, double anomalyShare, long seed) {
        Random r = new Random(seed);
        float[][] basis = new float[2][WIDTH];
        Random fixed = new Random(42); // the same plane for every call
        for (float[] b : basis) {
            for (int j = 0; j < WIDTH; j++) {
                b[j] = (float) fixed.nextGaussian();
            }
        }
        float[] v = new float[count * WIDTH];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            boolean anomaly = r.nextDouble() < anomalyShare;
            labels[i] = anomaly ? 1 : 0;
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            for (int j = 0; j < WIDTH; j++) {
                double value = anomaly ? r.nextGaussian() * 2 : a * basis[0][j] + b * basis[1][j];
                v[i * WIDTH + j] = (float) (50 + 10 * value);
            }
        }
        return new Dataset(InputSpec.of(WIDTH), new Samples(v, count, WIDTH), labels, "synthetic");
    }

    static Selection plugins(DataSource train, DataSource eval) {
        return new Selection(new Plugin<>("tiny", TINY_AE, "test", "1", Map.of()),
                new Plugin<>("mse", new MseLoss(), "test", "1", Map.of()), null,
                new Plugin<>("error", ERROR, "test", "1", Map.of()),
                new Plugin<>("train", train, "test", "1", Map.of()),
                eval == null ? null : new Plugin<>("eval", eval, "test", "1", Map.of()));
    }

    /** The model a training job stored, opened from the store as the pipeline serves it. */
    static ServedModel served(TrainingRun run, org.hourglass.api.executor.OnnxExecutor executor) throws Exception {
        return new StoreReconciler("synthetic", run.store(), executor, null).openTrained(run.call(), ERROR);
    }

    static Settings settings(Path modelDir, int epochs, int patience, boolean withEval) {
        return new Settings("synthetic", "tiny", "mse", "", "error", "train", withEval ? "eval" : "", new int[0], 2,
                epochs, 32, 0.01, "adam", 0, 7, "minmax", 0.2, patience, "quantile", 0.05, 0, false, modelDir);
    }
}
