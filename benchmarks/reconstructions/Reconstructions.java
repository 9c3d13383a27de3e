import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/**
 * Asks a running Hourglass server for reconstructions and codes of Fashion-MNIST test images (REST
 * {@code reconstruct} and {@code encode}) and writes what docs/results.md shows: a PNG with the originals in the first
 * row and one row of reconstructions per pipeline (the first test image of each class, left to right 0..9), and,
 * with {@code --stats}, per pipeline the reconstruction MSE over all test images in [0, 1] pixel units and the code
 * usage on the test set. Plain Java 17, run as a single source file:
 *
 * <pre>java Reconstructions.java API USER:PASSWORD DATA_DIR OUT.png [--stats] pipeline[:codeDim] ...</pre>
 */
public final class Reconstructions {

    private static final int SIDE = 28;
    private static final int PIXELS = SIDE * SIDE;
    private static final int SCALE = 3;
    private static final int CHUNK = 500;

    private Reconstructions() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: java Reconstructions.java API USER:PASSWORD DATA_DIR OUT.png [--stats] "
                    + "pipeline[:codeDim] ...");
            System.exit(2);
        }
        String api = args[0];
        String auth = "Basic " + Base64.getEncoder().encodeToString(args[1].getBytes(StandardCharsets.UTF_8));
        Path data = Path.of(args[2]);
        Path png = Path.of(args[3]);
        boolean stats = false;
        List<String> pipelines = new ArrayList<>();
        List<Integer> codeDims = new ArrayList<>();
        for (int i = 4; i < args.length; i++) {
            if (args[i].equals("--stats")) {
                stats = true;
                continue;
            }
            String[] parts = args[i].split(":");
            pipelines.add(parts[0]);
            codeDims.add(parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
        }
        float[][] images = readImages(data.resolve("t10k-images-idx3-ubyte.gz"));
        int[] labels = readLabels(data.resolve("t10k-labels-idx1-ubyte.gz"));
        float[][] shown = new float[10][];
        for (int i = 0; i < images.length; i++) {
            if (shown[labels[i]] == null) {
                shown[labels[i]] = images[i];
            }
        }
        HttpClient http = HttpClient.newHttpClient();
        List<float[][]> rows = new ArrayList<>();
        rows.add(shown);
        for (String p : pipelines) {
            rows.add(post(http, api, auth, p, "reconstruct", "reconstructions", shown));
        }
        writeMontage(rows, pipelines, png);
        System.out.println("wrote " + png);
        if (!stats) {
            return;
        }
        System.out.println("| pipeline | test MSE ([0, 1] pixels) | distinct codes | code usage on the test set |");
        System.out.println("|---|---|---|---|");
        for (int k = 0; k < pipelines.size(); k++) {
            String p = pipelines.get(k);
            double se = 0;
            List<float[]> codes = new ArrayList<>();
            for (int from = 0; from < images.length; from += CHUNK) {
                float[][] chunk = java.util.Arrays.copyOfRange(images, from, Math.min(images.length, from + CHUNK));
                float[][] rec = post(http, api, auth, p, "reconstruct", "reconstructions", chunk);
                for (int i = 0; i < chunk.length; i++) {
                    for (int j = 0; j < PIXELS; j++) {
                        double d = (rec[i][j] - chunk[i][j]) / 255.0;
                        se += d * d;
                    }
                }
                codes.addAll(List.of(post(http, api, auth, p, "encode", "codes", chunk)));
            }
            double mse = se / ((double) images.length * PIXELS);
            System.out.printf(Locale.ROOT, "| %s | %.5f | %d | %s |%n", p, mse, distinct(codes),
                    usage(codes, codeDims.get(k)));
        }
        System.out.println();
        for (String p : pipelines) {
            HttpResponse<String> record = http.send(HttpRequest.newBuilder(URI.create(api + "/pipelines/" + p
                    + "/pipeline.json")).build(), HttpResponse.BodyHandlers.ofString());
            System.out.println(p + ": last epoch's diagnostics " + lastDiagnostics(record.body()));
        }
    }

    /** The last entry of the {@code diagnostics} list of a pipeline.json, whitespace removed; "none" without. */
    static String lastDiagnostics(String json) {
        int at = json.indexOf("\"diagnostics\"");
        int open = at < 0 ? -1 : json.indexOf('[', at);
        if (open < 0) {
            return "none";
        }
        int depth = 0;
        int start = -1;
        String last = "none";
        for (int i = open + 1; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '{') {
                if (depth == 0) {
                    start = i;
                }
                depth++;
            } else if (c == '}') {
                depth--;
                if (depth == 0) {
                    last = json.substring(start, i + 1).replaceAll("\\s+", "");
                }
            } else if (c == ']' && depth == 0) {
                break;
            }
        }
        return last;
    }

    /** Distinct whole codes over the test set. */
    private static int distinct(List<float[]> codes) {
        Set<String> set = new HashSet<>();
        for (float[] c : codes) {
            set.add(java.util.Arrays.toString(c));
        }
        return set.size();
    }

    /**
     * With a code dimension c > 0 (vq): distinct c-vectors and the perplexity of their usage. Otherwise (qlae):
     * distinct values per latent dimension (mean, min, max) and the mean per-dimension perplexity.
     */
    private static String usage(List<float[]> codes, int codeDim) {
        int latent = codes.get(0).length;
        if (codeDim > 0) {
            Map<String, Integer> counts = new HashMap<>();
            int total = 0;
            for (float[] c : codes) {
                for (int v = 0; v + codeDim <= latent; v += codeDim) {
                    counts.merge(java.util.Arrays.toString(java.util.Arrays.copyOfRange(c, v, v + codeDim)), 1,
                            Integer::sum);
                    total++;
                }
            }
            return String.format(Locale.ROOT, "%d code vectors used, perplexity %.1f", counts.size(),
                    perplexity(counts.values(), total));
        }
        int min = Integer.MAX_VALUE;
        int max = 0;
        double sum = 0;
        double px = 0;
        for (int d = 0; d < latent; d++) {
            Map<Float, Integer> counts = new HashMap<>();
            for (float[] c : codes) {
                counts.merge(c[d], 1, Integer::sum);
            }
            min = Math.min(min, counts.size());
            max = Math.max(max, counts.size());
            sum += counts.size();
            px += perplexity(counts.values(), codes.size());
        }
        if (max > 100) {
            return "continuous";
        }
        return String.format(Locale.ROOT, "values per dimension: mean %.1f (min %d, max %d), mean perplexity %.2f",
                sum / latent, min, max, px / latent);
    }

    private static double perplexity(java.util.Collection<Integer> counts, int total) {
        double h = 0;
        for (int n : counts) {
            double p = n / (double) total;
            h -= p * Math.log(p);
        }
        return Math.exp(h);
    }

    private static float[][] post(HttpClient http, String api, String auth, String pipeline, String op, String key,
                                  float[][] samples) throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder(samples.length * PIXELS * 4);
        for (float[] s : samples) {
            for (int j = 0; j < s.length; j++) {
                if (j > 0) {
                    body.append(',');
                }
                body.append((int) s[j]);
            }
            body.append('\n');
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(api + "/pipelines/" + pipeline + "/" + op))
                .header("Authorization", auth).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(op + " of " + pipeline + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return parseMatrix(response.body(), key);
    }

    /** The array of number arrays under {@code key} in a JSON answer. */
    static float[][] parseMatrix(String json, String key) {
        int at = json.indexOf('"' + key + '"');
        if (at < 0) {
            throw new IllegalArgumentException("no '" + key + "' in the answer: " + json);
        }
        int i = json.indexOf('[', at) + 1;
        List<float[]> rows = new ArrayList<>();
        List<Float> row = null;
        StringBuilder number = new StringBuilder();
        for (; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '[') {
                row = new ArrayList<>();
            } else if (c == ',' || c == ']') {
                if (number.length() > 0) {
                    String n = number.toString();
                    row.add(n.equals("null") ? Float.NaN : Float.parseFloat(n));
                    number.setLength(0);
                }
                if (c == ']') {
                    if (row == null) {
                        break;
                    }
                    float[] r = new float[row.size()];
                    for (int k = 0; k < r.length; k++) {
                        r[k] = row.get(k);
                    }
                    rows.add(r);
                    row = null;
                }
            } else if (!Character.isWhitespace(c)) {
                number.append(c);
            }
        }
        return rows.toArray(new float[0][]);
    }

    private static void writeMontage(List<float[][]> rows, List<String> pipelines, Path png) throws IOException {
        int label = 150;
        int cell = SIDE * SCALE + 4;
        BufferedImage img = new BufferedImage(label + 10 * cell, rows.size() * cell, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int r = 0; r < rows.size(); r++) {
            g.setColor(Color.BLACK);
            g.drawString(r == 0 ? "test images" : pipelines.get(r - 1), 6, r * cell + cell / 2 + 5);
            for (int c = 0; c < 10; c++) {
                float[] v = rows.get(r)[c];
                for (int y = 0; y < SIDE; y++) {
                    for (int x = 0; x < SIDE; x++) {
                        // dark garments on white, as they are usually shown
                        int grey = 255 - Math.max(0, Math.min(255, Math.round(v[y * SIDE + x])));
                        g.setColor(new Color(grey, grey, grey));
                        g.fillRect(label + c * cell + 2 + x * SCALE, r * cell + 2 + y * SCALE, SCALE, SCALE);
                    }
                }
            }
        }
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(img, "png", png.toFile());
    }

    private static DataInputStream open(Path gz) throws IOException {
        return new DataInputStream(new java.io.BufferedInputStream(new GZIPInputStream(new FileInputStream(gz.toFile()))));
    }

    private static float[][] readImages(Path gz) throws IOException {
        try (DataInputStream in = open(gz)) {
            if (in.readInt() != 0x803) {
                throw new IOException(gz + " is not an IDX image file");
            }
            int n = in.readInt();
            int h = in.readInt();
            int w = in.readInt();
            if (h != SIDE || w != SIDE) {
                throw new IOException(gz + " holds " + h + "x" + w + " images, not 28x28");
            }
            float[][] out = new float[n][PIXELS];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < PIXELS; j++) {
                    out[i][j] = in.readUnsignedByte();
                }
            }
            return out;
        }
    }

    private static int[] readLabels(Path gz) throws IOException {
        try (DataInputStream in = open(gz)) {
            if (in.readInt() != 0x801) {
                throw new IOException(gz + " is not an IDX label file");
            }
            int n = in.readInt();
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = in.readUnsignedByte();
            }
            return out;
        }
    }
}
