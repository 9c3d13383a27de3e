package org.hourglass.pipeline.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import org.hourglass.graph.DType;
import org.hourglass.graph.HostTensor;

/**
 * Training state to resume from: parameters and optimizer state after {@code epochsDone} epochs, for the model
 * definition with the given fingerprint. A trailing CRC-32 detects a damaged file.
 */
record Checkpoint(String fingerprint, int epochsDone, long step, Map<String, HostTensor> state, double bestLoss,
                  int epochsSinceBest) {

    private static final String MAGIC = "hourglass-checkpoint-1";

    byte[] toBytes() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeUTF(MAGIC);
            out.writeUTF(fingerprint);
            out.writeInt(epochsDone);
            out.writeLong(step);
            out.writeDouble(bestLoss);
            out.writeInt(epochsSinceBest);
            out.writeInt(state.size());
            for (Map.Entry<String, HostTensor> e : state.entrySet()) {
                HostTensor t = e.getValue();
                out.writeUTF(e.getKey());
                out.writeUTF(t.dtype().name());
                out.writeInt(t.shape().length);
                for (long d : t.shape()) {
                    out.writeLong(d);
                }
                double[] values = t.toDoubles();
                out.writeInt(values.length);
                for (double v : values) {
                    out.writeDouble(v);
                }
            }
            out.flush();
            CRC32 crc = new CRC32();
            crc.update(bytes.toByteArray());
            out.writeLong(crc.getValue());
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e); // in-memory stream
        }
    }

    /** @throws IOException naming the problem when the bytes are not an intact checkpoint */
    static Checkpoint fromBytes(byte[] bytes) throws IOException {
        if (bytes.length < 8) {
            throw new IOException("checkpoint is truncated (" + bytes.length + " bytes)");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        long stored = new DataInputStream(new ByteArrayInputStream(bytes, bytes.length - 8, 8)).readLong();
        if (stored != crc.getValue()) {
            throw new IOException("checkpoint is damaged (checksum mismatch)");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 0, bytes.length - 8));
        if (!MAGIC.equals(in.readUTF())) {
            throw new IOException("not a Hourglass checkpoint");
        }
        String fingerprint = in.readUTF();
        int epochs = in.readInt();
        long step = in.readLong();
        double best = in.readDouble();
        int since = in.readInt();
        int n = in.readInt();
        Map<String, HostTensor> state = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            DType dtype = DType.valueOf(in.readUTF());
            long[] shape = new long[in.readInt()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = in.readLong();
            }
            double[] values = new double[in.readInt()];
            for (int v = 0; v < values.length; v++) {
                values[v] = in.readDouble();
            }
            state.put(name, HostTensor.of(dtype, values, shape));
        }
        return new Checkpoint(fingerprint, epochs, step, state, best, since);
    }
}
