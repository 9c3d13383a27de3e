package org.hourglass.pipeline.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.MaskingStrategy;
import org.hourglass.spi.PluginProperties;
import org.hourglass.spi.ReconstructionLoss;
import org.hourglass.spi.ScoringMethod;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Every registered plug-in, for the pipelines and the inventory alike. It binds service objects' handles, not the
 * services: a plug-in is activated only when a pipeline picks it, so listing the plug-ins activates none. Listeners
 * (the pipelines) hear of each plug-in that comes or goes.
 */
@Component(service = PluginRegistry.class)
public class PluginRegistry {

    /** One registered plug-in; its service is got on first use and released by the framework on unbind. */
    private static final class Entry {
        final String kind;
        final ComponentServiceObjects<?> objects;
        private Object service;

        Entry(String kind, ComponentServiceObjects<?> objects) {
            this.kind = kind;
            this.objects = objects;
        }

        synchronized Object service() {
            if (service == null) {
                service = objects.getService(); // null when the plug-in failed to activate: then it is not there
            }
            return service;
        }

        synchronized boolean holds(Object s) {
            return service == s;
        }
    }

    private final Map<Class<?>, Map<ServiceReference<?>, Entry>> byType = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    @Reference(service = AutoencoderFamily.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindFamily(ComponentServiceObjects<AutoencoderFamily> s) {
        bound(AutoencoderFamily.class, "family", s);
    }

    void unbindFamily(ComponentServiceObjects<AutoencoderFamily> s) {
        unbound(AutoencoderFamily.class, s);
    }

    @Reference(service = ReconstructionLoss.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindLoss(ComponentServiceObjects<ReconstructionLoss> s) {
        bound(ReconstructionLoss.class, "loss", s);
    }

    void unbindLoss(ComponentServiceObjects<ReconstructionLoss> s) {
        unbound(ReconstructionLoss.class, s);
    }

    @Reference(service = MaskingStrategy.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindMasking(ComponentServiceObjects<MaskingStrategy> s) {
        bound(MaskingStrategy.class, "masking", s);
    }

    void unbindMasking(ComponentServiceObjects<MaskingStrategy> s) {
        unbound(MaskingStrategy.class, s);
    }

    @Reference(service = ScoringMethod.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindScoring(ComponentServiceObjects<ScoringMethod> s) {
        bound(ScoringMethod.class, "scoring", s);
    }

    void unbindScoring(ComponentServiceObjects<ScoringMethod> s) {
        unbound(ScoringMethod.class, s);
    }

    @Reference(service = DataSource.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindData(ComponentServiceObjects<DataSource> s) {
        bound(DataSource.class, "data", s);
    }

    void unbindData(ComponentServiceObjects<DataSource> s) {
        unbound(DataSource.class, s);
    }

    private void bound(Class<?> type, String kind, ComponentServiceObjects<?> s) {
        byType.computeIfAbsent(type, k -> new ConcurrentHashMap<>()).put(s.getServiceReference(), new Entry(kind, s));
        listeners.forEach(Runnable::run);
    }

    private void unbound(Class<?> type, ComponentServiceObjects<?> s) {
        byType.getOrDefault(type, Map.of()).remove(s.getServiceReference());
        listeners.forEach(Runnable::run);
    }

    /** Called after each plug-in that comes or goes (on the thread that registered or unregistered it). */
    void addListener(Runnable listener) {
        listeners.add(listener);
    }

    void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    /** The highest-ranked plug-in of the type with this name whose service could be got. */
    <T> Optional<Plugin<T>> find(Class<T> type, String name) {
        return byType.getOrDefault(type, Map.of()).entrySet().stream()
                .filter(e -> name.equals(e.getKey().getProperty(PluginProperties.NAME)))
                .sorted((a, b) -> b.getKey().compareTo(a.getKey())) // highest ranking first
                .map(e -> {
                    Object service = e.getValue().service();
                    return service == null ? null : Plugin.of(e.getKey(), type.cast(service));
                })
                .filter(java.util.Objects::nonNull)
                .findFirst();
    }

    /** Whether this service object is still registered as a plug-in of the type. */
    boolean holds(Class<?> type, Object service) {
        return byType.getOrDefault(type, Map.of()).values().stream().anyMatch(e -> e.holds(service));
    }

    /** Every registered plug-in's reference with its kind (family, loss, masking, scoring, data). */
    Map<ServiceReference<?>, String> kinds() {
        Map<ServiceReference<?>, String> all = new java.util.HashMap<>();
        byType.values().forEach(m -> m.forEach((ref, e) -> all.put(ref, e.kind)));
        return all;
    }
}
