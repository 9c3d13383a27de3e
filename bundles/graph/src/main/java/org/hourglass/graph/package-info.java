/**
 * The graph engine: a builder for ONNX graphs ({@link org.hourglass.graph.Graph}), reverse-mode automatic
 * differentiation whose backward pass is itself ONNX nodes, optimizers appended as update subgraphs, and
 * builders for the train-step model and the standalone inference model. Plain Java plus ONNX protobuf; the
 * models run on the platform's executor.
 */
@Export
@Version("1.4.0")
package org.hourglass.graph;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
