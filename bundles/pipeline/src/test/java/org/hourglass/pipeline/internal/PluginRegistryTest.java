package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.hourglass.spi.PluginProperties;
import org.hourglass.spi.ScoringMethod;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.ComponentServiceObjects;

class PluginRegistryTest {

    /** A registered scoring plug-in: its reference (name, ranking) and the handle that gets its service. */
    private static ComponentServiceObjects<ScoringMethod> scoring(String name, int ranking, ScoringMethod service,
                                                                  AtomicInteger gets) {
        Map<String, Object> props = Map.of(PluginProperties.NAME, name, Constants.SERVICE_RANKING, ranking,
                Constants.SERVICE_ID, (long) (1000 - ranking));
        ServiceReference<?> ref = (ServiceReference<?>) Proxy.newProxyInstance(PluginRegistryTest.class.getClassLoader(),
                new Class<?>[] {ServiceReference.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getProperty" -> props.get((String) args[0]);
                    case "getPropertyKeys" -> props.keySet().toArray(new String[0]);
                    case "compareTo" -> Integer.compare(ranking,
                            (Integer) ((ServiceReference<?>) args[0]).getProperty(Constants.SERVICE_RANKING));
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
        @SuppressWarnings("unchecked")
        ComponentServiceObjects<ScoringMethod> objects = (ComponentServiceObjects<ScoringMethod>) Proxy.newProxyInstance(
                PluginRegistryTest.class.getClassLoader(), new Class<?>[] {ComponentServiceObjects.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getService" -> {
                        gets.incrementAndGet();
                        yield service;
                    }
                    case "getServiceReference" -> ref;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
        return objects;
    }

    @Test
    void picksTheHighestRankedPluginByNameGetsServicesOnlyWhenPickedAndTellsListeners() {
        PluginRegistry registry = new PluginRegistry();
        AtomicInteger changes = new AtomicInteger();
        registry.addListener(changes::incrementAndGet);
        AtomicInteger gets = new AtomicInteger();
        ScoringMethod low = Fixtures.ERROR;
        ScoringMethod high = new ScoringMethod() {
            @Override
            public Map<String, Object> fit(org.hourglass.spi.ModelOutputs reference) {
                return Map.of();
            }

            @Override
            public double[] score(org.hourglass.spi.ModelOutputs batch, Map<String, Object> state) {
                return new double[0];
            }
        };
        var lowObjects = scoring("error", 0, low, gets);
        var highObjects = scoring("error", 5, high, gets);
        var failed = scoring("broken", 0, null, gets);
        registry.bindScoring(lowObjects);
        registry.bindScoring(highObjects);
        registry.bindScoring(failed);
        assertEquals(3, changes.get());
        assertEquals(3, registry.kinds().size());
        assertEquals(0, gets.get(), "listing activates no plug-in");

        assertSame(high, registry.find(ScoringMethod.class, "error").orElseThrow().service());
        assertEquals(1, gets.get(), "only the picked plug-in's service is got");
        assertTrue(registry.holds(ScoringMethod.class, high));
        assertFalse(registry.holds(ScoringMethod.class, low));
        assertTrue(registry.find(ScoringMethod.class, "broken").isEmpty(), "a plug-in that failed to activate");
        assertTrue(registry.find(ScoringMethod.class, "absent").isEmpty());

        registry.unbindScoring(highObjects);
        assertEquals(4, changes.get());
        assertFalse(registry.holds(ScoringMethod.class, high));
        assertSame(low, registry.find(ScoringMethod.class, "error").orElseThrow().service());
        assertEquals("scoring", registry.kinds().values().iterator().next());
    }
}
