package org.hourglass.testing;

import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * Builds a component property type (a configuration annotation) from a map, the way DS would, so a component
 * can be constructed in a plain unit test. (A dynamic proxy: the one piece of reflection the tests use.)
 */
public final class Configs {

    private Configs() {
    }

    /** Keys are the method names; missing ones take the annotation's default (null when it has none). */
    public static <A> A of(Class<A> type, Map<String, ?> values) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
            if (values.containsKey(m.getName())) {
                return values.get(m.getName());
            }
            if (m.getDeclaringClass() == Object.class) {
                return switch (m.getName()) {
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> "config " + values;
                };
            }
            return m.getDefaultValue();
        }));
    }
}
