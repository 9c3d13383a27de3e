package org.hourglass.pipeline.internal;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.MaskingStrategy;
import org.hourglass.spi.ReconstructionLoss;
import org.hourglass.spi.ScoringMethod;

/**
 * The plug-ins a pipeline's settings name, each typed as its role needs it; null where the settings name none
 * (masking, evaluation data) or where it is not registered.
 */
record Selection(Plugin<AutoencoderFamily> family, Plugin<ReconstructionLoss> loss, Plugin<MaskingStrategy> masking,
                 Plugin<ScoringMethod> scoring, Plugin<DataSource> trainingData, Plugin<DataSource> evaluationData) {

    /** Nothing selected: compares unequal to any selection that found a plug-in. */
    static final Selection NONE = new Selection(null, null, null, null, null, null);

    /** The plug-ins the settings name, from the registry; adds what is missing to {@code missing}, by role. */
    static Selection of(PluginRegistry registry, Settings s, List<String> missing) {
        return new Selection(pick(registry, AutoencoderFamily.class, Role.FAMILY, s, missing),
                pick(registry, ReconstructionLoss.class, Role.LOSS, s, missing),
                pick(registry, MaskingStrategy.class, Role.MASKING, s, missing),
                pick(registry, ScoringMethod.class, Role.SCORING, s, missing),
                pick(registry, DataSource.class, Role.TRAINING_DATA, s, missing),
                pick(registry, DataSource.class, Role.EVALUATION_DATA, s, missing));
    }

    private static <T> Plugin<T> pick(PluginRegistry registry, Class<T> type, Role role, Settings s,
                                      List<String> missing) {
        String name = role.nameIn(s);
        if (name.isEmpty()) {
            return null;
        }
        Plugin<T> p = registry.find(type, name).orElse(null);
        if (p == null) {
            missing.add(role.label + " '" + name + "'");
        }
        return p;
    }

    /** The selected plug-ins by role, in the roles' order (the order the store and the model metadata list them). */
    Map<Role, Plugin<?>> byRole() {
        Map<Role, Plugin<?>> m = new EnumMap<>(Role.class);
        Plugin<?>[] all = {family, loss, masking, scoring, trainingData, evaluationData};
        for (Role role : Role.values()) {
            if (all[role.ordinal()] != null) {
                m.put(role, all[role.ordinal()]);
            }
        }
        return m;
    }

    Selection withFamily(Plugin<AutoencoderFamily> other) {
        return new Selection(other, loss, masking, scoring, trainingData, evaluationData);
    }

    /** The same services with the same properties in every role. */
    boolean sameServices(Selection other) {
        Map<Role, Plugin<?>> a = byRole();
        Map<Role, Plugin<?>> b = other.byRole();
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Role r : a.keySet()) {
            if (a.get(r).service() != b.get(r).service() || !a.get(r).properties().equals(b.get(r).properties())) {
                return false;
            }
        }
        return true;
    }

    /**
     * What the weights depend on: the settings' model definition and the plug-ins that shape the weights (not the
     * scoring method nor the evaluation data), hashed. A stored model or checkpoint is used only when it matches.
     */
    String fingerprint(Settings settings) {
        Map<String, Object> f = new LinkedHashMap<>(settings.modelDefinition());
        byRole().forEach((role, p) -> {
            if (role != Role.SCORING && role != Role.EVALUATION_DATA) {
                f.put(role.name(), p.name() + p.shapingProperties());
            }
        });
        return ModelStore.sha256(ModelStore.json(f).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** What the store records of each plug-in, keyed by role (family, loss, ...). */
    Map<String, Map<String, Object>> described() {
        Map<String, Map<String, Object>> m = new LinkedHashMap<>();
        byRole().forEach((role, p) -> m.put(role.key(), p.describe()));
        return m;
    }
}
