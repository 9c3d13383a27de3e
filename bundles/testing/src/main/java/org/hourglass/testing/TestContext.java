package org.hourglass.testing;

import org.hourglass.graph.Graph;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.InputSpec;

/** A family context over a fresh graph with one input named {@code x}. */
public record TestContext(Graph graph, Tensor input, InputSpec inputSpec, int latentSize, boolean training)
        implements FamilyContext {

    public static TestContext of(InputSpec spec, int latentSize, boolean training, long seed) {
        Graph g = Graph.create(seed);
        return new TestContext(g, g.input("x", Shape.of(spec.batchShape())), spec, latentSize, training);
    }
}
