package org.hourglass.masking.colornoise;

import java.util.Locale;

/** The four filters ColorMAE applies to white noise, named after the part of the spectrum they keep. */
enum NoiseColor {
    /** Low-pass: the noise blurred; visible patches gather in a few clumps. */
    RED,
    /** Band-pass: the difference of a narrow and a wide blur; clumps of about one size, spread evenly. */
    GREEN,
    /** High-pass: the noise minus its blur; visible patches scattered, rarely neighbours. */
    BLUE,
    /** Band-stop: the noise minus its green part; fine scatter over large-scale clumps. */
    PURPLE;

    static NoiseColor parse(String word, String owner) {
        String w = word == null ? "" : word.trim().toUpperCase(Locale.ROOT);
        for (NoiseColor c : values()) {
            if (c.name().equals(w)) {
                return c;
            }
        }
        throw new IllegalArgumentException(owner + ": color must be one of red, green, blue, purple, was '" + word
                + "'");
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
