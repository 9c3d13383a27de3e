package org.hourglass.embedding.example;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reads the host's own copy of Fashion-MNIST test data (gzipped IDX files of unsigned bytes). */
final class IdxFile {

    private IdxFile() {
    }

    /** The first {@code limit} images, one row of pixel values (0..255) per image. */
    static float[][] images(Path file, int limit) throws IOException {
        try (DataInputStream in = open(file, 0x0803)) {
            int count = Math.min(limit, in.readInt());
            int features = in.readInt() * in.readInt();
            float[][] rows = new float[count][features];
            byte[] buffer = new byte[features];
            for (float[] row : rows) {
                in.readFully(buffer);
                for (int j = 0; j < features; j++) {
                    row[j] = buffer[j] & 0xff;
                }
            }
            return rows;
        }
    }

    /** The first {@code limit} labels. */
    static int[] labels(Path file, int limit) throws IOException {
        try (DataInputStream in = open(file, 0x0801)) {
            int[] labels = new int[Math.min(limit, in.readInt())];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = in.readUnsignedByte();
            }
            return labels;
        }
    }

    private static DataInputStream open(Path file, int magic) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        DataInputStream in = new DataInputStream(new BufferedInputStream(
                file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw));
        int found = in.readInt();
        if (found != magic) {
            in.close();
            throw new IOException(file + ": not an IDX file of unsigned bytes with the expected rank (magic "
                    + Integer.toHexString(found) + ")");
        }
        return in;
    }
}
