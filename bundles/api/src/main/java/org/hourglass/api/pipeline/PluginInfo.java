package org.hourglass.api.pipeline;

import java.util.Map;

/**
 * A registered plug-in instance.
 *
 * @param kind       {@code family}, {@code loss}, {@code masking}, {@code scoring} or {@code data}
 * @param name       its {@code hourglass.name}
 * @param bundle     symbolic name of the bundle that registered it
 * @param version    that bundle's version
 * @param properties its configuration (service properties without framework bookkeeping)
 */
public record PluginInfo(String kind, String name, String bundle, String version, Map<String, String> properties) {

    public PluginInfo {
        properties = Map.copyOf(properties);
    }
}
