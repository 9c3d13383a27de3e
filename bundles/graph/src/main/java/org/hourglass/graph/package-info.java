/**
 * The graph engine: a builder for ONNX graphs (the registry {@link org.hourglass.graph.Graph}; ops in
 * {@link org.hourglass.graph.Ops}, {@link org.hourglass.graph.ShapeOps}, {@link org.hourglass.graph.ConvOps} and
 * {@link org.hourglass.graph.Layers}), reverse-mode automatic differentiation ({@link org.hourglass.graph.Autodiff})
 * whose backward pass is itself ONNX nodes, optimizers appended as update subgraphs, and builders for the
 * train-step model and the standalone inference model. Plain Java plus ONNX protobuf; the models run on the
 * platform's executor, train steps through {@code org.hourglass.training}.
 *
 * <p>2.0: the ops moved from {@code Graph} to {@code Ops}, {@code ShapeOps}, {@code ConvOps} and {@code Layers}
 * (static methods that take their graph from their tensor arguments), {@code Graph.gradients} to
 * {@code Autodiff.gradients}, {@code Layers.Activation} to {@code Layers.Activation}, {@code ShapeOps.TopK} to
 * {@code ShapeOps.TopK}; {@code Graph.mse} was dropped (the {@code mse} loss plug-in is the platform's MSE); the
 * training loop moved to the package {@code org.hourglass.training}.
 */
@Export
@Version("2.0.0")
package org.hourglass.graph;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
