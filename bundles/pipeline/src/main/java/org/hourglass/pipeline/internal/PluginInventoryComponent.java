package org.hourglass.pipeline.internal;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.hourglass.api.pipeline.PluginInfo;
import org.hourglass.api.pipeline.PluginInventory;
import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.MaskingStrategy;
import org.hourglass.spi.ReconstructionLoss;
import org.hourglass.spi.ScoringMethod;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Lists every registered plug-in. It holds only service references (never the services), so listing does not
 * activate lazy plug-ins.
 */
@Component(service = PluginInventory.class)
public class PluginInventoryComponent implements PluginInventory {

    private final Map<ServiceReference<?>, String> kinds = new ConcurrentHashMap<>();

    @Reference(service = AutoencoderFamily.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC)
    void addFamily(ServiceReference<AutoencoderFamily> ref) {
        kinds.put(ref, "family");
    }

    void removeFamily(ServiceReference<AutoencoderFamily> ref) {
        kinds.remove(ref);
    }

    @Reference(service = ReconstructionLoss.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC)
    void addLoss(ServiceReference<ReconstructionLoss> ref) {
        kinds.put(ref, "loss");
    }

    void removeLoss(ServiceReference<ReconstructionLoss> ref) {
        kinds.remove(ref);
    }

    @Reference(service = MaskingStrategy.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC)
    void addMasking(ServiceReference<MaskingStrategy> ref) {
        kinds.put(ref, "masking");
    }

    void removeMasking(ServiceReference<MaskingStrategy> ref) {
        kinds.remove(ref);
    }

    @Reference(service = ScoringMethod.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC)
    void addScoring(ServiceReference<ScoringMethod> ref) {
        kinds.put(ref, "scoring");
    }

    void removeScoring(ServiceReference<ScoringMethod> ref) {
        kinds.remove(ref);
    }

    @Reference(service = DataSource.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC)
    void addData(ServiceReference<DataSource> ref) {
        kinds.put(ref, "data");
    }

    void removeData(ServiceReference<DataSource> ref) {
        kinds.remove(ref);
    }

    @Override
    public List<PluginInfo> plugins() {
        return kinds.entrySet().stream()
                .map(e -> {
                    Plugin p = Plugin.of(e.getKey(), null);
                    Map<String, String> props = new java.util.TreeMap<>();
                    p.properties().forEach((k, v) -> props.put(k, String.valueOf(v)));
                    return new PluginInfo(e.getValue(), p.name(), p.bundle(), p.version(), props);
                })
                .sorted(Comparator.comparing(PluginInfo::kind).thenComparing(PluginInfo::name))
                .toList();
    }
}
