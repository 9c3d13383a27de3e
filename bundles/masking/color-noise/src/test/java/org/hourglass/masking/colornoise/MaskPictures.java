package org.hourglass.masking.colornoise;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import org.hourglass.masking.block.BlockMasking;
import org.hourglass.masking.patches.PatchGrid;
import org.hourglass.masking.random.RandomMasking;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.MaskingStrategy;
import org.hourglass.testing.Configs;

/**
 * Draws the pictures of {@code docs/masking.md}: example masks of every strategy on Fashion-MNIST images, bare
 * masks on a finer grid, and the noise patterns behind the colours. Run from the repository root:
 * <pre>
 * mvn -o -q -pl bundles/masking/color-noise test-compile \
 *     org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=org.hourglass.masking.colornoise.MaskPictures -Dexec.args="docs/images"
 * </pre>
 * (Maven runs it in the module folder; a relative output folder is taken from the repository root.)
 */
public final class MaskPictures {

    private static final InputSpec IMAGES = InputSpec.of(28, 28);
    private static final int SCALE = 3;
    private static final int GAP = 4;
    private static final int LABEL = 92;
    private static final int HIDDEN_GREY = 0x8a8a8a;

    private MaskPictures() {
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(System.getProperty("maven.multiModuleProjectDirectory", "."));
        Path out = root.resolve(args.length > 0 ? args[0] : "docs/images");
        Path data = Path.of(System.getenv().getOrDefault("HOURGLASS_FASHION_MNIST",
                "/usr/share/datasets/fashion-mnist"));
        Files.createDirectories(out);
        float[][] images = readImages(data.resolve("t10k-images-idx3-ubyte.gz"), 8);

        write(onImages(strategies(4), images), out.resolve("masking-examples.png"));
        write(bareMasks(strategies(2), 8), out.resolve("masking-fine-grid.png"));
        write(patterns(), out.resolve("masking-noise-patterns.png"));
    }

    private static Map<String, MaskingStrategy> strategies(int patch) {
        Map<String, MaskingStrategy> s = new LinkedHashMap<>();
        s.put("random", new RandomMasking(Configs.of(RandomMasking.Config.class,
                Map.of("hourglass_name", "random", "patch_size", patch))));
        s.put("block", new BlockMasking(Configs.of(BlockMasking.Config.class,
                Map.of("hourglass_name", "block", "patch_size", patch))));
        for (NoiseColor c : NoiseColor.values()) {
            s.put(c.label(), new ColorNoiseMasking(Configs.of(ColorNoiseMasking.Config.class,
                    Map.of("hourglass_name", c.label(), "color", c.label(), "patch_size", patch))));
        }
        return s;
    }

    /** One row per strategy: the images with their hidden patches greyed out (default ratio 0.75). */
    private static BufferedImage onImages(Map<String, MaskingStrategy> strategies, float[][] images) {
        int n = images.length;
        Sheet sheet = new Sheet(strategies.size(), n, 28 * SCALE, 28 * SCALE);
        int row = 0;
        for (Map.Entry<String, MaskingStrategy> e : strategies.entrySet()) {
            float[] visible = new float[n * 784];
            e.getValue().fill(visible, n, IMAGES, new SplittableRandom(1));
            sheet.label(row, e.getKey());
            for (int i = 0; i < n; i++) {
                int[] rgb = new int[784];
                for (int p = 0; p < 784; p++) {
                    int g = Math.round(images[i][p] * 255);
                    rgb[p] = visible[i * 784 + p] == 1f ? g << 16 | g << 8 | g : HIDDEN_GREY;
                }
                sheet.tile(row, i, rgb, 28, 28, SCALE);
            }
            row++;
        }
        return sheet.image;
    }

    /** One row per strategy: masks of 2x2 patches (a 14x14 grid), visible white, hidden dark. */
    private static BufferedImage bareMasks(Map<String, MaskingStrategy> strategies, int n) {
        int cell = 6;
        Sheet sheet = new Sheet(strategies.size(), n, 14 * cell, 14 * cell);
        int row = 0;
        for (Map.Entry<String, MaskingStrategy> e : strategies.entrySet()) {
            float[] visible = new float[n * 784];
            e.getValue().fill(visible, n, IMAGES, new SplittableRandom(2));
            PatchGrid grid = PatchGrid.of(IMAGES, 2, e.getKey());
            sheet.label(row, e.getKey());
            for (int i = 0; i < n; i++) {
                boolean[] hidden = grid.hiddenPatches(visible, i);
                int[] rgb = new int[hidden.length];
                for (int p = 0; p < hidden.length; p++) {
                    rgb[p] = hidden[p] ? 0x2b2b33 : 0xf4f4f4;
                }
                sheet.tile(row, i, rgb, 14, 14, cell);
            }
            row++;
        }
        return sheet.image;
    }

    /** White noise and the four filtered versions of the same noise (one 64x64 pattern, default blur widths). */
    private static BufferedImage patterns() {
        int n = 64;
        NoiseBank.Sigmas sigmas = new NoiseBank.Sigmas(1.0, 1.0, 0.8, 1.6);
        Sheet sheet = new Sheet(1, 5, n * 2, n * 2);
        sheet.label(0, "");
        float[] white = new float[n * n];
        SplittableRandom random = new SplittableRandom(0);
        for (int i = 0; i < white.length; i++) {
            white[i] = (float) random.nextGaussian();
        }
        sheet.tile(0, 0, grey(white), n, n, 2);
        sheet.caption(0, 0, "white");
        int col = 1;
        for (NoiseColor c : NoiseColor.values()) {
            // Same noise for every colour, so the pictures differ only by the filter.
            sheet.tile(0, col, grey(NoiseBank.filter(white.clone(), n, n, c, sigmas)), n, n, 2);
            sheet.caption(0, col++, c.label());
        }
        return sheet.image;
    }

    /** Values scaled to grey levels, mean +- 2.5 standard deviations. */
    private static int[] grey(float[] v) {
        double mean = 0;
        for (float x : v) {
            mean += x;
        }
        mean /= v.length;
        double var = 0;
        for (float x : v) {
            var += (x - mean) * (x - mean);
        }
        double sd = Math.sqrt(var / v.length);
        int[] rgb = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            int g = (int) Math.max(0, Math.min(255, Math.round(127.5 + 127.5 * (v[i] - mean) / (2.5 * sd))));
            rgb[i] = g << 16 | g << 8 | g;
        }
        return rgb;
    }

    private static float[][] readImages(Path file, int count) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " is missing (apt-get install dataset-fashion-mnist, or set "
                    + "HOURGLASS_FASHION_MNIST)");
        }
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file));
             DataInputStream d = new DataInputStream(in)) {
            if (d.readInt() != 0x803) {
                throw new IOException(file + " is not an IDX file of unsigned bytes in 3 dimensions");
            }
            int total = d.readInt();
            int h = d.readInt();
            int w = d.readInt();
            if (h != 28 || w != 28 || total < count) {
                throw new IOException(file + " holds " + total + " images of " + h + "x" + w);
            }
            float[][] images = new float[count][784];
            for (float[] image : images) {
                for (int p = 0; p < 784; p++) {
                    image[p] = d.readUnsignedByte() / 255f;
                }
            }
            return images;
        }
    }

    private static void write(BufferedImage image, Path file) throws IOException {
        ImageIO.write(image, "png", file.toFile());
        System.out.println("wrote " + file);
    }

    /** A grid of tiles on a white sheet with a label column on the left and room for captions below. */
    private static final class Sheet {
        final BufferedImage image;
        final Graphics2D g;
        final int tileW;
        final int tileH;
        final int rowH;

        Sheet(int rows, int cols, int tileW, int tileH) {
            this.tileW = tileW;
            this.tileH = tileH;
            this.rowH = tileH + GAP + 16;
            image = new BufferedImage(LABEL + cols * (tileW + GAP), rows * rowH + GAP, BufferedImage.TYPE_INT_RGB);
            g = image.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            g.setColor(Color.DARK_GRAY);
        }

        void label(int row, String text) {
            g.drawString(text, 6, GAP + row * rowH + tileH / 2 + 5);
        }

        void caption(int row, int col, String text) {
            g.drawString(text, LABEL + col * (tileW + GAP), GAP + row * rowH + tileH + 14);
        }

        void tile(int row, int col, int[] rgb, int w, int h, int scale) {
            int x0 = LABEL + col * (tileW + GAP);
            int y0 = GAP + row * rowH;
            for (int y = 0; y < h * scale; y++) {
                for (int x = 0; x < w * scale; x++) {
                    image.setRGB(x0 + x, y0 + y, rgb[(y / scale) * w + x / scale]);
                }
            }
        }
    }
}
