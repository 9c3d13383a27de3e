package org.hourglass.pipeline.internal;

import java.util.Map;
import java.util.TreeMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

/**
 * A plug-in service as a pipeline uses it: the service object, its name and where it came from.
 *
 * @param properties the service properties that describe its configuration (framework bookkeeping left out):
 *                   part of the model's fingerprint, so reconfiguring a plug-in marks models stale
 */
record Plugin<T>(String name, T service, String bundle, String version, Map<String, Object> properties) {

    static <T> Plugin<T> of(ServiceReference<?> ref, T service) {
        Map<String, Object> props = new TreeMap<>();
        for (String key : ref.getPropertyKeys()) {
            if (!isBookkeeping(key)) {
                Object v = ref.getProperty(key);
                props.put(key, v != null && v.getClass().isArray() ? arrayToString(v) : String.valueOf(v));
            }
        }
        Bundle b = ref.getBundle();
        return new Plugin<>(String.valueOf(ref.getProperty(org.hourglass.spi.PluginProperties.NAME)), service,
                b == null ? "?" : b.getSymbolicName(), b == null ? "?" : b.getVersion().toString(), props);
    }

    private static boolean isBookkeeping(String key) {
        return key.equals(Constants.OBJECTCLASS) || key.startsWith("service.") || key.startsWith("component.")
                || key.startsWith("felix.") || key.startsWith("webconsole.") || key.startsWith("osgi.ds.")
                || key.startsWith(".");
    }

    private static String arrayToString(Object array) {
        StringBuilder sb = new StringBuilder("[");
        int n = java.lang.reflect.Array.getLength(array);
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ", ").append(java.lang.reflect.Array.get(array, i));
        }
        return sb.append(']').toString();
    }

    /**
     * The properties a model's fingerprint covers: all but the contract ones (what a family emits, what a loss
     * reads), which describe how plug-ins fit together, not the weights; declaring them keeps stored models.
     */
    Map<String, Object> shapingProperties() {
        Map<String, Object> m = new TreeMap<>(properties);
        m.remove(org.hourglass.spi.PluginProperties.EMITS);
        m.remove(org.hourglass.spi.PluginProperties.READS);
        return m;
    }

    /** What the store records about it. */
    Map<String, Object> describe() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("name", name);
        m.put("bundle", bundle);
        m.put("version", version);
        m.put("properties", properties);
        return m;
    }
}
