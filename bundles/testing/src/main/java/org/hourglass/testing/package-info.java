/** Test support for plug-in unit tests. */
@Version("1.6.0")
package org.hourglass.testing;

import org.osgi.annotation.versioning.Version;
