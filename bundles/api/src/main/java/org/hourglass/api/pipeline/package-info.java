/**
 * Pipelines: a configured composition of plug-ins (family, loss, masking, scoring, data) that trains and then
 * serves scores, labels, codes and reconstructions.
 */
@Export
@Version("1.4.0")
package org.hourglass.api.pipeline;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
