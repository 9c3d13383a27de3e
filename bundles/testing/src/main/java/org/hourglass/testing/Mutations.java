package org.hourglass.testing;

import java.util.Arrays;
import java.util.Random;

/**
 * Seeded random damage to valid inputs, for bounded fuzz runs: the same seed gives the same cases, so a failure
 * can be replayed. Each call applies one or a few of: flipping bits, overwriting bytes with boundary values,
 * truncating, cutting out or duplicating a range, inserting random bytes.
 */
public final class Mutations {

    private static final byte[] SPECIAL = {0, 1, -1, 0x7f, (byte) 0x80, ',', '"', '\n', '\r', '.', '-', 'e', 'n',
        '[', ']', '{', '}', '(', ')', '\'', ':', 0x1f, (byte) 0x8b};

    private final Random random;

    public Mutations(long seed) {
        this.random = new Random(seed);
    }

    /** A damaged copy of {@code valid}; {@code valid} itself is not changed. */
    public byte[] mutate(byte[] valid) {
        byte[] b = valid.clone();
        int rounds = 1 + random.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            b = once(b);
        }
        return b;
    }

    private byte[] once(byte[] b) {
        if (b.length == 0) {
            return new byte[] {SPECIAL[random.nextInt(SPECIAL.length)]};
        }
        // Headers are where most structure is: aim half of the damage at the first 64 bytes.
        int at = random.nextBoolean() ? random.nextInt(Math.min(64, b.length)) : random.nextInt(b.length);
        switch (random.nextInt(6)) {
            case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
            case 1 -> b[at] = SPECIAL[random.nextInt(SPECIAL.length)];
            case 2 -> b = Arrays.copyOf(b, at);
            case 3 -> {
                int end = Math.min(b.length, at + 1 + random.nextInt(16));
                byte[] out = new byte[b.length - (end - at)];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, end, out, at, b.length - end);
                b = out;
            }
            case 4 -> {
                int end = Math.min(b.length, at + 1 + random.nextInt(32));
                byte[] out = new byte[b.length + (end - at)];
                System.arraycopy(b, 0, out, 0, end);
                System.arraycopy(b, at, out, end, b.length - at);
                b = out;
            }
            default -> {
                byte[] noise = new byte[1 + random.nextInt(8)];
                random.nextBytes(noise);
                byte[] out = new byte[b.length + noise.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(noise, 0, out, at, noise.length);
                System.arraycopy(b, at, out, at + noise.length, b.length - at);
                b = out;
            }
        }
        return b;
    }
}
