/**
 * A small training loop for train-step models built with {@link org.hourglass.graph.TrainStep}: runs them on the
 * platform executor, feeds each step's updated state straight back as the next step's input, shuffles with a
 * seed, draws random inputs in Java and reports progress. Its own bundle, {@code org.hourglass.training}, since it
 * needs ONNX Runtime while the graph builder needs only the ONNX protobuf classes.
 */
@Export
@Version("1.0.0")
package org.hourglass.training;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
