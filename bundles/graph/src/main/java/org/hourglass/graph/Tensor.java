package org.hourglass.graph;

import java.util.Objects;

/**
 * A symbolic tensor of one {@link Graph}: a name (the ONNX value name), an element type and a static shape.
 * Created only by the graph (inputs, parameters, constants, op outputs).
 */
public final class Tensor {

    /** How a tensor enters the graph. */
    public enum Kind {
        /** Fed per batch (data). */
        INPUT,
        /** Random values generated in Java from the seed and fed per step (noise, masks). */
        RANDOM,
        /** A trainable parameter: an input of the train-step model, an initializer of the inference model. */
        PARAM,
        /** A train-step input that is neither data nor parameter: optimizer state, step number, learning rate. */
        STATE,
        /** A constant baked into every model as an initializer. */
        CONSTANT,
        /** The output of a node. */
        NODE
    }

    private final Graph graph;
    private final String name;
    private final DType dtype;
    private final Shape shape;
    private final Kind kind;
    private final Node producer;

    Tensor(Graph graph, String name, DType dtype, Shape shape, Kind kind, Node producer) {
        this.graph = graph;
        this.name = name;
        this.dtype = dtype;
        this.shape = shape;
        this.kind = kind;
        this.producer = producer;
    }

    public Graph graph() {
        return graph;
    }

    /** The ONNX value name, unique in the graph. */
    public String name() {
        return name;
    }

    public DType dtype() {
        return dtype;
    }

    public Shape shape() {
        return shape;
    }

    public int rank() {
        return shape.rank();
    }

    public Kind kind() {
        return kind;
    }

    /** The node that computes this tensor, or null for inputs, parameters and constants. */
    public Node producer() {
        return producer;
    }

    @Override
    public String toString() {
        return name + ":" + dtype.name().toLowerCase(java.util.Locale.ROOT) + shape;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor && ((Tensor) o).graph == graph && ((Tensor) o).name.equals(name);
    }
}
