/**
 * The shared ONNX Runtime executor: the one owner of the native environment, through which every model and
 * training step of the platform runs.
 */
@Export
@Version("1.0.0")
package org.hourglass.api.executor;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
