package org.hourglass.data.onnxactivations;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The real all-MiniLM-L6-v2 artifact on the test class path, and its vocabulary read independently. */
final class MiniLm {

    private static String tokenizerText;

    private MiniLm() {
    }

    /** The artifact jar (the test dependency), as a file. */
    static Path jar() {
        URL url = MiniLm.class.getClassLoader().getResource("all-minilm-l6-v2.onnx");
        if (url == null || !url.getProtocol().equals("jar")) {
            throw new IllegalStateException("all-minilm-l6-v2.onnx is not on the test class path (test dependency "
                    + ModelFiles.defaultCoordinates() + ")");
        }
        String file = url.getPath().substring(0, url.getPath().indexOf("!/"));
        try {
            return Path.of(new URL(file).toURI());
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static synchronized String tokenizerJson() {
        if (tokenizerText == null) {
            try (InputStream in = MiniLm.class.getClassLoader()
                    .getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
                tokenizerText = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return tokenizerText;
    }

    /**
     * The id of {@code token} found by a text search of the vocabulary object in tokenizer.json (not through the
     * tokenizer's own reader), so expected ids in tests come from the file.
     */
    static long vocabId(String token) {
        String text = tokenizerJson();
        int vocab = text.indexOf("\"vocab\"", text.indexOf("\"model\""));
        Matcher m = Pattern.compile("\"" + Pattern.quote(token.replace("\\", "\\\\").replace("\"", "\\\""))
                + "\"\\s*:\\s*(\\d+)").matcher(text);
        if (!m.find(vocab)) {
            throw new IllegalArgumentException("token '" + token + "' is not in the vocabulary");
        }
        return Long.parseLong(m.group(1));
    }
}
