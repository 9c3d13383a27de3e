package org.hourglass.data.idx;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.hourglass.spi.DataSettings;
import org.hourglass.spi.DataException;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.Samples;

/**
 * Reads IDX files (the MNIST format): two zero bytes, an element type byte, the rank, one big-endian int per
 * dimension, then the elements big-endian. Gzip is recognised by its magic bytes, whatever the file is called.
 */
public final class IdxReader {

    /** An IDX file's element type. */
    enum Type {
        UBYTE(0x08, 1, true), BYTE(0x09, 1, true), SHORT(0x0B, 2, true), INT(0x0C, 4, true),
        FLOAT(0x0D, 4, false), DOUBLE(0x0E, 8, false);

        final int code;
        final int size;
        final boolean integral;

        Type(int code, int size, boolean integral) {
            this.code = code;
            this.size = size;
            this.integral = integral;
        }

        static Type of(int code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return null;
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A parsed IDX file: its type, dimensions and the element bytes (big-endian, after the header). */
    record Idx(Path file, Type type, int[] dims, ByteBuffer data) {
    }

    private IdxReader() {
    }

    /**
     * Reads {@code images} (any rank &gt;= 1: the first dimension counts samples) and, when not null, the 1-D
     * integer {@code labels} file, whose count must match.
     */
    public static Dataset read(Path images, Path labels) {
        Idx img = parse(images);
        int count = img.dims()[0];
        long[] shape = img.dims().length == 1 ? new long[] {1}
                : Arrays.stream(img.dims(), 1, img.dims().length).asLongStream().toArray();
        InputSpec spec;
        try {
            spec = new InputSpec(shape);
        } catch (IllegalArgumentException e) {
            throw new DataException(images + ": sample shape " + Arrays.toString(shape) + " has a zero dimension");
        }
        if (count == 0) {
            throw new DataException(images + ": contains no samples (first dimension is 0)");
        }
        float[] values = toFloats(img);
        int[] lab = null;
        String description = "idx:" + images;
        if (labels != null) {
            lab = readLabels(labels);
            if (lab.length != count) {
                throw new DataException(labels + ": " + lab.length + " labels, but " + images + " has " + count
                        + " samples");
            }
            description += " labels:" + labels;
        }
        return new Dataset(spec, new Samples(values, count, spec.features()), lab, description);
    }

    /** Reads a 1-D IDX file of an integer type. */
    static int[] readLabels(Path file) {
        Idx idx = parse(file);
        if (idx.dims().length != 1) {
            throw new DataException(file + ": a label file must have 1 dimension, has " + idx.dims().length + " "
                    + Arrays.toString(idx.dims()));
        }
        if (!idx.type().integral) {
            throw new DataException(file + ": labels must be of an integer type, are " + idx.type().label());
        }
        int[] out = new int[idx.dims()[0]];
        ByteBuffer b = idx.data();
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (idx.type()) {
                case UBYTE -> Byte.toUnsignedInt(b.get());
                case BYTE -> b.get();
                case SHORT -> b.getShort();
                default -> b.getInt();
            };
        }
        return out;
    }

    static Idx parse(Path file) {
        byte[] bytes = bytes(file);
        if (bytes.length < 4) {
            throw new DataException(file + ": truncated IDX header: expected at least 4 bytes, found "
                    + bytes.length);
        }
        if (bytes[0] != 0 || bytes[1] != 0) {
            throw new DataException(file + ": not an IDX file: wrong magic number "
                    + String.format("0x%02x%02x%02x%02x", bytes[0], bytes[1], bytes[2], bytes[3])
                    + " (an IDX file starts with two zero bytes, a type byte and the rank)");
        }
        Type type = Type.of(Byte.toUnsignedInt(bytes[2]));
        if (type == null) {
            throw new DataException(file + ": unknown IDX element type " + String.format("0x%02x", bytes[2])
                    + " at byte 2 (known: 0x08 ubyte, 0x09 byte, 0x0b short, 0x0c int, 0x0d float, 0x0e double)");
        }
        int rank = Byte.toUnsignedInt(bytes[3]);
        if (rank == 0) {
            throw new DataException(file + ": IDX rank (byte 3) is 0; at least 1 dimension is needed");
        }
        int header = 4 + 4 * rank;
        if (bytes.length < header) {
            throw new DataException(file + ": truncated IDX header: expected " + header + " bytes for rank " + rank
                    + ", found " + bytes.length);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        int[] dims = new int[rank];
        long elements = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = b.getInt(4 + 4 * i);
            if (dims[i] < 0) {
                throw new DataException(file + ": dimension " + i + " (at byte " + (4 + 4 * i) + ") is negative: "
                        + dims[i]);
            }
            elements *= dims[i];
            if (elements > Integer.MAX_VALUE - 8) {
                throw new DataException(file + ": dimensions " + Arrays.toString(dims)
                        + " are too large to hold in memory as one array");
            }
        }
        long expected = elements * type.size;
        long actual = bytes.length - header;
        if (actual != expected) {
            throw new DataException(file + ": " + (actual < expected ? "truncated" : "trailing bytes")
                    + ": dimensions " + Arrays.toString(dims) + " of " + type.label() + " need " + expected
                    + " bytes of data after the " + header + "-byte header, found " + actual);
        }
        return new Idx(file, type, dims, b.position(header).slice().order(ByteOrder.BIG_ENDIAN));
    }

    private static float[] toFloats(Idx idx) {
        ByteBuffer b = idx.data();
        int n = b.remaining() / idx.type().size;
        float[] out = new float[n];
        switch (idx.type()) {
            case UBYTE -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Byte.toUnsignedInt(b.get(i));
                }
            }
            case BYTE -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i);
                }
            }
            case SHORT -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getShort(2 * i);
                }
            }
            case INT -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getInt(4 * i);
                }
            }
            case FLOAT -> {
                b.asFloatBuffer().get(out);
                for (int i = 0; i < n; i++) {
                    checkFinite(idx, out[i], i);
                }
            }
            case DOUBLE -> {
                for (int i = 0; i < n; i++) {
                    double d = b.getDouble(8 * i);
                    out[i] = (float) d;
                    checkFinite(idx, d, i);
                }
            }
        }
        return out;
    }

    private static void checkFinite(Idx idx, double value, int index) {
        if (!Float.isFinite((float) value)) {
            long offset = 4L + 4L * idx.dims().length + (long) index * idx.type().size;
            String what = Double.isFinite(value) ? "value " + value + " out of float range" : "non-finite value "
                    + value;
            throw new DataException(idx.file() + ": " + what + " at element " + index + " (byte offset " + offset
                    + " of the uncompressed file)");
        }
    }

    private static byte[] bytes(Path file) {
        try (InputStream raw = Files.newInputStream(file)) {
            byte[] bytes = raw.readAllBytes();
            if (bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
                try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(bytes), 1 << 16)) {
                    return gz.readAllBytes();
                } catch (IOException e) {
                    throw new DataException(file + ": gzip data is truncated or corrupt: " + e.getMessage(), e);
                }
            }
            return bytes;
        } catch (IOException e) {
            throw DataSettings.ioFailure(file, e);
        }
    }
}
