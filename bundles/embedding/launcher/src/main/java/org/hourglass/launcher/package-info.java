/**
 * Starts the Hourglass platform in-process: {@code Hourglass.builder().bundles(dir).start()} gives a
 * {@link org.hourglass.launcher.HourglassPlatform} whose pipelines are plain
 * {@link org.hourglass.api.pipeline.Pipeline} objects to the host. See docs/embedding.md.
 */
@Export
@Version("1.0.0")
package org.hourglass.launcher;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
