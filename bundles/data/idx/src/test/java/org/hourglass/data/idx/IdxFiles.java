package org.hourglass.data.idx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for the tests. */
final class IdxFiles {

    private IdxFiles() {
    }

    /** IDX bytes: header for {@code type} and {@code dims}, then each value encoded as that type, big-endian. */
    static byte[] idx(int type, int[] dims, double... values) {
        int size = switch (type) {
            case 0x08, 0x09 -> 1;
            case 0x0B -> 2;
            case 0x0C, 0x0D -> 4;
            case 0x0E -> 8;
            default -> throw new IllegalArgumentException("type " + type);
        };
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + size * values.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        for (double v : values) {
            switch (type) {
                case 0x08, 0x09 -> b.put((byte) (int) v);
                case 0x0B -> b.putShort((short) v);
                case 0x0C -> b.putInt((int) v);
                case 0x0D -> b.putFloat((float) v);
                default -> b.putDouble(v);
            }
        }
        return b.array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static Path write(Path file, byte[] data) throws IOException {
        return Files.write(file, data);
    }
}
