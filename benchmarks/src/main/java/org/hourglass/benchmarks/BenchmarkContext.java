package org.hourglass.benchmarks;

import java.util.Optional;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.InputSpec;

/** What a pipeline gives a family to build its training graph with, here given by a benchmark. */
record BenchmarkContext(Graph graph, Tensor input, InputSpec inputSpec, int latentSize, Tensor mask)
        implements FamilyContext {

    @Override
    public boolean training() {
        return true;
    }

    @Override
    public Optional<Tensor> visible() {
        return Optional.ofNullable(mask);
    }
}
