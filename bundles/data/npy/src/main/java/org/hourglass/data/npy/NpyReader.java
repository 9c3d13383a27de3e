package org.hourglass.data.npy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.hourglass.spi.DataSettings;
import org.hourglass.spi.DataException;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.Samples;

/**
 * Reads NumPy .npy files, format versions 1.0, 2.0 and 3.0: the magic {@code \x93NUMPY}, a version, a header
 * length, a header that is a Python dict literal ({@code descr}, {@code fortran_order}, {@code shape}), then the
 * array in C order.
 */
public final class NpyReader {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** An element type: kind f (float), i (signed), u (unsigned) or b (bool), its size and byte order. */
    record DType(String descr, char kind, int size, ByteOrder order) {
        boolean integral() {
            return kind != 'f';
        }
    }

    /** A parsed file: element type, shape and the data bytes, which start at {@code dataOffset}. */
    record Npy(Path file, DType dtype, long[] shape, ByteBuffer data, int dataOffset) {
        String shapeText() {
            return Arrays.toString(shape).replace('[', '(').replace(']', ')');
        }
    }

    private NpyReader() {
    }

    /**
     * Reads {@code data} (shape (N, ...): N samples of the remaining shape; 1-D: N samples of one value) and, when
     * not null, {@code labels}: N integers.
     */
    public static Dataset read(Path data, Path labels) {
        Npy npy = parse(data);
        long[] shape = npy.shape();
        if (shape.length == 0) {
            throw new DataException(data + ": a 0-d array (shape ()) has no samples; need shape (N, ...)");
        }
        if (shape[0] == 0) {
            throw new DataException(data + ": contains no samples (shape " + npy.shapeText() + ")");
        }
        long[] sampleShape = shape.length == 1 ? new long[] {1} : Arrays.copyOfRange(shape, 1, shape.length);
        InputSpec spec;
        try {
            spec = new InputSpec(sampleShape);
        } catch (IllegalArgumentException e) {
            throw new DataException(data + ": shape " + npy.shapeText() + " has a zero dimension");
        }
        int count = (int) shape[0];
        float[] values = floats(npy);
        int[] lab = null;
        String description = "npy:" + data;
        if (labels != null) {
            lab = readLabels(labels);
            if (lab.length != count) {
                throw new DataException(labels + ": " + lab.length + " labels, but " + data + " has " + count
                        + " samples");
            }
            description += " labels:" + labels;
        }
        return new Dataset(spec, new Samples(values, count, spec.features()), lab, description);
    }

    /** Reads labels: an integer array of shape (N,) (or (N, 1)). */
    static int[] readLabels(Path file) {
        Npy npy = parse(file);
        long[] shape = npy.shape();
        if (shape.length == 0 || shape.length > 2 || (shape.length == 2 && shape[1] != 1)) {
            throw new DataException(file + ": labels must have shape (N,) or (N, 1), have " + npy.shapeText());
        }
        DType t = npy.dtype();
        if (!t.integral()) {
            throw new DataException(file + ": labels must be integers, dtype is '" + t.descr() + "'");
        }
        int[] out = new int[(int) shape[0]];
        ByteBuffer b = npy.data();
        for (int i = 0; i < out.length; i++) {
            long v = integer(b, t, i);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE || (t.kind() == 'u' && v < 0)) {
                throw new DataException(file + ": label " + (t.kind() == 'u' ? Long.toUnsignedString(v) : v)
                        + " at index " + i + " (byte offset " + (npy.dataOffset() + (long) i * t.size())
                        + ") does not fit a 32-bit integer");
            }
            out[i] = (int) v;
        }
        return out;
    }

    static Npy parse(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw DataSettings.ioFailure(file, e);
        }
        if (bytes.length < 6 || !Arrays.equals(bytes, 0, 6, MAGIC, 0, 6)) {
            throw new DataException(file + ": not a .npy file: wrong magic (expected \\x93NUMPY in the first 6 "
                    + "bytes)");
        }
        if (bytes.length < 10) {
            throw new DataException(file + ": truncated header: expected at least 10 bytes, found " + bytes.length);
        }
        int major = Byte.toUnsignedInt(bytes[6]);
        int minor = Byte.toUnsignedInt(bytes[7]);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = Short.toUnsignedInt(b.getShort(8));
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new DataException(file + ": truncated: the version " + major + " header length needs 12 "
                        + "bytes, found " + bytes.length);
            }
            headerLength = Integer.toUnsignedLong(b.getInt(8));
            headerStart = 12;
        } else {
            throw new DataException(file + ": unsupported .npy format version " + major + "." + minor
                    + " (supported: 1.0, 2.0, 3.0)");
        }
        if (headerStart + headerLength > bytes.length) {
            throw new DataException(file + ": truncated header: expected " + headerLength + " header bytes at byte "
                    + headerStart + ", found " + (bytes.length - headerStart));
        }
        int dataOffset = (int) (headerStart + headerLength);
        String header = new String(bytes, headerStart, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<?, ?> dict = headerDict(file, header);
        DType dtype = dtype(file, dict.get("descr"));
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new DataException(file + ": header key 'fortran_order' must be True or False, is "
                    + dict.get("fortran_order"));
        }
        if (fortran) {
            throw new DataException(file + ": fortran_order is True (column-major data) and is not supported; "
                    + "save the array in C order, e.g. np.save(f, np.ascontiguousarray(a))");
        }
        long[] shape = shape(file, dict.get("shape"));
        long elements = 1;
        for (long d : shape) {
            elements *= d;
            if (elements > Integer.MAX_VALUE - 8) {
                throw new DataException(file + ": shape " + Arrays.toString(shape) + " is too large to hold in "
                        + "memory as one array");
            }
        }
        long expected = elements * dtype.size();
        long actual = bytes.length - dataOffset;
        if (actual != expected) {
            String shapeText = Arrays.toString(shape).replace('[', '(').replace(']', ')');
            throw new DataException(file + ": " + (actual < expected ? "truncated" : "trailing bytes") + ": shape "
                    + shapeText + " of '" + dtype.descr() + "' needs " + expected + " bytes of data after the "
                    + dataOffset + "-byte header, found " + actual);
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, dataOffset, (int) actual).slice().order(dtype.order());
        return new Npy(file, dtype, shape, data, dataOffset);
    }

    private static Map<?, ?> headerDict(Path file, String header) {
        Object parsed;
        try {
            parsed = PyLiteral.parse(header);
        } catch (PyLiteral.SyntaxException e) {
            throw new DataException(file + ": header does not parse: " + e.getMessage() + " in " + header.strip());
        }
        if (!(parsed instanceof Map<?, ?> dict)) {
            throw new DataException(file + ": header is not a dict: " + header.strip());
        }
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw new DataException(file + ": header has no '" + key + "': " + header.strip());
            }
        }
        return dict;
    }

    private static DType dtype(Path file, Object descr) {
        if (!(descr instanceof String s)) {
            throw new DataException(file + ": dtype " + descr + " is not supported; only plain numeric dtypes "
                    + "(no structured arrays)");
        }
        String unsupported = file + ": unsupported dtype '" + s + "'; supported: <f4 <f8 >f4 >f8, "
                + "integers <i4 <i8 |i1 |u1 (also i2, u2, u4, u8, b1, either byte order)";
        if (s.length() < 3) {
            throw new DataException(unsupported);
        }
        char orderChar = s.charAt(0);
        char kind = s.charAt(1);
        int size;
        try {
            size = Integer.parseInt(s.substring(2));
        } catch (NumberFormatException e) {
            throw new DataException(unsupported);
        }
        boolean known = switch (kind) {
            case 'f' -> size == 4 || size == 8;
            case 'i', 'u' -> size == 1 || size == 2 || size == 4 || size == 8;
            case 'b' -> size == 1;
            default -> false;
        };
        ByteOrder order = switch (orderChar) {
            case '<' -> ByteOrder.LITTLE_ENDIAN;
            case '>' -> ByteOrder.BIG_ENDIAN;
            case '=' -> ByteOrder.nativeOrder();
            case '|' -> size == 1 ? ByteOrder.LITTLE_ENDIAN : null;
            default -> null;
        };
        if (!known || order == null) {
            throw new DataException(unsupported);
        }
        return new DType(s, kind, size, order);
    }

    private static long[] shape(Path file, Object shape) {
        if (!(shape instanceof List<?> dims)) {
            throw new DataException(file + ": header key 'shape' must be a tuple of integers, is " + shape);
        }
        long[] out = new long[dims.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw new DataException(file + ": header key 'shape' has a bad dimension " + dims.get(i)
                        + " at position " + i);
            }
            out[i] = d;
        }
        return out;
    }

    private static float[] floats(Npy npy) {
        DType t = npy.dtype();
        ByteBuffer b = npy.data();
        float[] out = new float[b.remaining() / t.size()];
        if (t.kind() == 'f' && t.size() == 4) {
            b.asFloatBuffer().get(out);
            for (int i = 0; i < out.length; i++) {
                if (!Float.isFinite(out[i])) {
                    throw nonFinite(npy, i, "non-finite value " + out[i]);
                }
            }
        } else if (t.kind() == 'f') {
            for (int i = 0; i < out.length; i++) {
                double d = b.getDouble(8 * i);
                out[i] = (float) d;
                if (!Float.isFinite(out[i])) {
                    throw nonFinite(npy, i, Double.isFinite(d) ? "value " + d + " out of float range"
                            : "non-finite value " + d);
                }
            }
        } else {
            for (int i = 0; i < out.length; i++) {
                long v = integer(b, t, i);
                // u8 above Long.MAX_VALUE arrives negative; convert as unsigned.
                out[i] = t.kind() == 'u' && v < 0 ? (float) (v >>> 1) * 2f : (float) v;
            }
        }
        return out;
    }

    private static long integer(ByteBuffer b, DType t, int i) {
        int at = i * t.size();
        boolean unsigned = t.kind() != 'i';
        return switch (t.size()) {
            case 1 -> unsigned ? Byte.toUnsignedLong(b.get(at)) : b.get(at);
            case 2 -> unsigned ? Short.toUnsignedLong(b.getShort(at)) : b.getShort(at);
            case 4 -> unsigned ? Integer.toUnsignedLong(b.getInt(at)) : b.getInt(at);
            default -> b.getLong(at);
        };
    }

    private static DataException nonFinite(Npy npy, int index, String what) {
        return new DataException(npy.file() + ": " + what + " at flat index " + index + " (byte offset "
                + (npy.dataOffset() + (long) index * npy.dtype().size()) + ")");
    }
}
