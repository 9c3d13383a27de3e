/**
 * Graph-building blocks of variational autoencoders (posterior heads, sampling, KL divergence, decoders, the
 * Monte-Carlo log-likelihood and the posterior-collapse summary), shared by the {@code vae} and {@code ce-vae}
 * families so both build the same network the same way.
 */
@Export
@Version("1.0.0")
package org.hourglass.family.vae.blocks;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
