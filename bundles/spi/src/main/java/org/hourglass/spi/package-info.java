/**
 * The plug-in SPI. Every family, loss, masking strategy, scoring method and data source is a Declarative
 * Services component registering one of these interfaces with the service property {@value PluginProperties#NAME}.
 */
@Export
@Version("1.8.0")
package org.hourglass.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
