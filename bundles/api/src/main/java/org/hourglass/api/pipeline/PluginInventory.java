package org.hourglass.api.pipeline;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** Every plug-in instance registered now, for consoles, REST and shells. */
@ProviderType
public interface PluginInventory {

    /** Sorted by kind, then name. */
    List<PluginInfo> plugins();
}
