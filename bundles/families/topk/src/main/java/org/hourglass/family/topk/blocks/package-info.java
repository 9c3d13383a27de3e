/**
 * Building blocks shared by the sparse autoencoder families (topk, batchtopk, transcoder, mutual-choice,
 * feature-choice, g-sae): parameters with a unit-norm decoder, encoder pre-activations with {@code b_pre}, the AuxK
 * term on dead latents, the idle-count state, the per-epoch metrics and their summary, and ({@link ThresholdSae}) a
 * whole SAE for batch-level selections with a learned inference threshold.
 */
@Export
@Version("1.2.0")
package org.hourglass.family.topk.blocks;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
