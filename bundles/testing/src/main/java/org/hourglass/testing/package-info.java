/** Test support for plug-in unit tests. */
@Version("1.5.0")
package org.hourglass.testing;

import org.osgi.annotation.versioning.Version;
