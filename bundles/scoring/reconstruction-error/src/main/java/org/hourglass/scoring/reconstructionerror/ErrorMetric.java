package org.hourglass.scoring.reconstructionerror;

import java.util.Locale;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.Samples;

/** How the per-entry differences of one sample become one score. */
enum ErrorMetric {
    /** Mean squared error. */
    MSE {
        @Override
        double of(float[] x, float[] r, int from, int width) {
            double sum = 0;
            for (int j = from; j < from + width; j++) {
                double d = r[j] - x[j];
                sum += d * d;
            }
            return sum / width;
        }
    },
    /** Mean absolute error. */
    MAE {
        @Override
        double of(float[] x, float[] r, int from, int width) {
            double sum = 0;
            for (int j = from; j < from + width; j++) {
                sum += Math.abs(r[j] - x[j]);
            }
            return sum / width;
        }
    };

    abstract double of(float[] x, float[] r, int from, int width);

    static ErrorMetric parse(String word) {
        try {
            return valueOf(word.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("metric must be mse or mae, was '" + word + "'", e);
        }
    }

    /** One error per sample of the batch. */
    double[] errors(ModelOutputs batch) {
        Samples x = batch.input();
        Samples r = batch.output(ModelOutputs.RECONSTRUCTION);
        if (r.width() != x.width() || r.count() != x.count()) {
            throw new IllegalArgumentException("reconstruction has " + r.count() + "x" + r.width()
                    + " values, input " + x.count() + "x" + x.width());
        }
        double[] e = new double[x.count()];
        for (int i = 0; i < e.length; i++) {
            e[i] = of(x.values(), r.values(), i * x.width(), x.width());
        }
        return e;
    }
}
