package org.hourglass.pipeline.internal;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.hourglass.api.pipeline.PluginInfo;
import org.hourglass.api.pipeline.PluginInventory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Lists every registered plug-in from the {@link PluginRegistry} the pipelines use. It reads only service
 * references, so listing does not activate lazy plug-ins.
 */
@Component(service = PluginInventory.class)
public class PluginInventoryComponent implements PluginInventory {

    private final PluginRegistry registry;

    @Activate
    public PluginInventoryComponent(@Reference PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public List<PluginInfo> plugins() {
        return registry.kinds().entrySet().stream()
                .map(e -> {
                    Plugin<?> p = Plugin.of(e.getKey(), null);
                    Map<String, String> props = new java.util.TreeMap<>();
                    p.properties().forEach((k, v) -> props.put(k, String.valueOf(v)));
                    return new PluginInfo(e.getValue(), p.name(), p.bundle(), p.version(), props);
                })
                .sorted(Comparator.comparing(PluginInfo::kind).thenComparing(PluginInfo::name))
                .toList();
    }
}
