package org.hourglass.spi;

import java.util.Arrays;

/**
 * Samples loaded by a {@link DataSource}, in memory.
 *
 * @param spec        shape of one sample
 * @param samples     the values, row-major
 * @param labels      null, or one integer label per sample (a class, or 0 = normal / 1 = anomalous once
 *                    {@link DataOptions#normalClasses()} is applied)
 * @param description where the data came from, for logs and provenance
 */
public record Dataset(InputSpec spec, Samples samples, int[] labels, String description) {

    public Dataset {
        if (samples.width() != spec.features()) {
            throw new IllegalArgumentException("dataset '" + description + "': rows of " + samples.width()
                    + " values do not match sample shape " + spec);
        }
        if (labels != null && labels.length != samples.count()) {
            throw new IllegalArgumentException("dataset '" + description + "': " + labels.length + " labels for "
                    + samples.count() + " samples");
        }
    }

    public int count() {
        return samples.count();
    }

    public boolean hasLabels() {
        return labels != null;
    }

    /** The samples at the given indices, in that order. */
    public Dataset select(int[] indices, String newDescription) {
        int w = samples.width();
        float[] v = new float[indices.length * w];
        int[] l = labels == null ? null : new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(samples.values(), indices[i] * w, v, i * w, w);
            if (l != null) {
                l[i] = labels[indices[i]];
            }
        }
        return new Dataset(spec, new Samples(v, indices.length, w), l, newDescription);
    }

    @Override
    public String toString() {
        return description + " (" + count() + " samples of " + spec + (labels == null ? "" : ", labelled") + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dataset d && spec.equals(d.spec) && Arrays.equals(samples.values(), d.samples.values())
                && Arrays.equals(labels, d.labels);
    }

    @Override
    public int hashCode() {
        return spec.hashCode() * 31 + Arrays.hashCode(samples.values());
    }
}
