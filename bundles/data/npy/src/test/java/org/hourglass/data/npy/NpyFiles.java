package org.hourglass.data.npy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes small .npy files for the tests, laid out the way numpy.save does (header padded to 64 bytes). */
final class NpyFiles {

    private NpyFiles() {
    }

    /** A file of the given version whose header is {@code dict}, followed by {@code data}. */
    static byte[] npy(int major, String dict, byte[] data) {
        int prefix = major == 1 ? 10 : 12;
        StringBuilder header = new StringBuilder(dict);
        while ((prefix + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        byte[] h = header.toString().getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(prefix + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        return b.put(h).put(data).array();
    }

    /** A version 1.0 file of {@code descr} and {@code shape} (e.g. "(2, 3)") holding {@code values}. */
    static byte[] npy(String descr, String shape, double... values) {
        return npy(1, header(descr, shape), encode(descr, values));
    }

    static String header(String descr, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    }

    /** Values encoded as {@code descr} ('<f4', '>f8', '|u1', '<i8', ...). */
    static byte[] encode(String descr, double... values) {
        ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        char kind = descr.charAt(1);
        int size = Integer.parseInt(descr.substring(2));
        ByteBuffer b = ByteBuffer.allocate(values.length * size).order(order);
        for (double v : values) {
            if (kind == 'f') {
                if (size == 4) {
                    b.putFloat((float) v);
                } else {
                    b.putDouble(v);
                }
            } else {
                long l = (long) v;
                switch (size) {
                    case 1 -> b.put((byte) l);
                    case 2 -> b.putShort((short) l);
                    case 4 -> b.putInt((int) l);
                    default -> b.putLong(l);
                }
            }
        }
        return b.array();
    }
}
