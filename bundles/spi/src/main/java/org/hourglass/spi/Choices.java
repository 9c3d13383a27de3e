package org.hourglass.spi;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The one parser of choice-valued settings (an activation, a noise kind, a metric): configurations hold words such
 * as {@code relu} or {@code linear}, plug-ins hold enum constants. Declarative Services could convert a
 * {@code Config} method returning an enum itself, but only from the constant's exact (upper-case) name, and the
 * Metatype options and the files users already have are lower-case words; so plug-ins keep {@code String} methods
 * and call this.
 *
 * @since 1.8
 */
public final class Choices {

    private Choices() {
    }

    /**
     * The constant of {@code type} named {@code word}, ignoring case and surrounding blanks.
     *
     * @param attribute the configuration attribute, for the error
     * @throws IllegalArgumentException naming the attribute, the value and the words allowed
     */
    public static <E extends Enum<E>> E parse(Class<E> type, String word, String attribute) {
        return parse(type, word, attribute, Map.of());
    }

    /**
     * The constant {@code words} names for {@code word} (ignoring case and surrounding blanks), where only those
     * words are allowed (e.g. the activations a hidden layer may have).
     *
     * @param words lower-case words and their constants, in the order the error lists them
     */
    public static <E> E parse(String word, String attribute, Map<String, E> words) {
        E found = words.get(word == null ? "" : word.strip().toLowerCase(Locale.ROOT));
        if (found == null) {
            throw new IllegalArgumentException(attribute + " must be one of " + words.keySet() + ", was '" + word
                    + "'");
        }
        return found;
    }

    /** The constants under their lower-case names, in this order, for {@link #parse(String, String, Map)}. */
    @SafeVarargs
    public static <E extends Enum<E>> Map<String, E> words(E... constants) {
        Map<String, E> m = new LinkedHashMap<>();
        for (E c : constants) {
            m.put(c.name().toLowerCase(Locale.ROOT), c);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** {@code words} and one more word, last. */
    public static <E> Map<String, E> with(Map<String, E> words, String word, E constant) {
        Map<String, E> m = new LinkedHashMap<>(words);
        m.put(word, constant);
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * The same, with further words for some constants (e.g. {@code linear} for an activation {@code NONE}).
     *
     * @param aliases lower-case words and the constant each stands for
     */
    public static <E extends Enum<E>> E parse(Class<E> type, String word, String attribute, Map<String, E> aliases) {
        String w = word == null ? "" : word.strip().toLowerCase(Locale.ROOT);
        E alias = aliases.get(w);
        if (alias != null) {
            return alias;
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.name().toLowerCase(Locale.ROOT).equals(w)) {
                return constant;
            }
        }
        String allowed = Stream.concat(aliases.keySet().stream().sorted(),
                        Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)))
                .distinct().collect(Collectors.joining(", "));
        throw new IllegalArgumentException(attribute + " must be one of [" + allowed + "], was '" + word + "'");
    }
}
