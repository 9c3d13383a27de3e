/**
 * A small training loop for train-step models built with {@link org.hourglass.graph.TrainStep}: runs them on the
 * platform executor, feeds each step's updated state straight back as the next step's input, shuffles with a
 * seed, draws random inputs in Java and reports progress.
 */
@Export
@Version("1.4.0")
package org.hourglass.graph.training;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
