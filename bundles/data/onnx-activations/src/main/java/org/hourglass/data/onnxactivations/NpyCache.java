package org.hourglass.data.onnxactivations;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hourglass.spi.DataException;
import org.hourglass.spi.DataSettings;

/**
 * Activation matrices cached as NumPy {@code .npy} files (format 1.0, {@code <f4}, C order, shape (rows, width)),
 * the files the {@code npy} data source reads. Written to a temporary file and renamed, so a reader never sees a
 * partial file; a file that does not read back as such a matrix is treated as absent.
 */
final class NpyCache {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    private static final Pattern HEADER = Pattern.compile(
            "\\{'descr': '<f4', 'fortran_order': False, 'shape': \\((\\d+), (\\d+)\\), \\}\\s*");

    private NpyCache() {
    }

    static void write(Path file, float[] values, int rows, int width) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + width + "), }";
        // The header (magic, version, length, dict, newline) is padded with spaces to a multiple of 64 bytes.
        int unpadded = MAGIC.length + 2 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        String header = dict + " ".repeat(total - unpadded) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(total + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        buf.asFloatBuffer().put(values, 0, rows * width);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName() + ".", ".tmp");
            try {
                Files.write(tmp, buf.array());
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw DataSettings.ioFailure(file, e);
        }
    }

    /** The cached matrix, or null when the file is absent or is not a float32 (rows, width) array. */
    static Matrix read(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DataException(file + ": cannot read the activation cache: " + e, e);
        }
        if (bytes.length < 10 || !java.util.Arrays.equals(bytes, 0, 8, MAGIC, 0, 8)) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = Short.toUnsignedInt(b.getShort(8));
        if (10 + headerLength > bytes.length) {
            return null;
        }
        Matcher m = HEADER.matcher(new String(bytes, 10, headerLength, StandardCharsets.US_ASCII));
        if (!m.matches()) {
            return null;
        }
        long rows = Long.parseLong(m.group(1));
        long width = Long.parseLong(m.group(2));
        if (rows * width * 4 != bytes.length - 10 - headerLength) {
            return null;
        }
        float[] values = new float[(int) (rows * width)];
        b.position(10 + headerLength);
        b.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return new Matrix(values, (int) rows, (int) width);
    }

    /** A row-major float matrix. */
    record Matrix(float[] values, int rows, int width) {
    }
}
