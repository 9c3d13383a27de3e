package org.hourglass.data.onnxactivations;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hourglass.spi.DataException;

/** Plain-text corpus files cut into documents: one per non-blank line, or one per paragraph. */
final class Corpus {

    /** How a file is cut into documents. */
    enum Split {
        /** Each non-blank line is a document. */
        LINES,
        /** Lines up to a blank line form one document, joined with spaces. */
        PARAGRAPHS;

        static Split parse(String value) {
            String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "lines" -> LINES;
                case "paragraphs" -> PARAGRAPHS;
                default -> throw new IllegalArgumentException("attribute 'documents' must be lines or paragraphs, "
                        + "was '" + value + "'");
            };
        }
    }

    /**
     * @param documents the documents, in file order
     * @param sha       SHA-256 over the files' bytes and the split, hex: the corpus part of the cache key
     */
    record Documents(List<String> documents, String sha) {
    }

    private Corpus() {
    }

    static Documents read(List<Path> files, Split split) {
        List<String> docs = new ArrayList<>();
        StringBuilder keyText = new StringBuilder(split.name());
        for (Path f : files) {
            byte[] bytes = ModelFiles.readAll(f);
            keyText.append('\n').append(ModelFiles.sha256(bytes));
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new DataException("attribute 'corpus': " + f + " is not UTF-8 text", e);
            }
            cut(text, split, docs);
        }
        if (docs.isEmpty()) {
            throw new DataException("attribute 'corpus': " + files + " holds no text (only blank lines)");
        }
        return new Documents(List.copyOf(docs), ModelFiles.sha256(keyText.toString().getBytes(StandardCharsets.UTF_8)));
    }

    static void cut(String text, Split split, List<String> out) {
        StringBuilder paragraph = new StringBuilder();
        for (String line : text.split("\r?\n", -1)) {
            String l = line.strip();
            if (split == Split.LINES) {
                if (!l.isEmpty()) {
                    out.add(l);
                }
            } else if (l.isEmpty()) {
                if (!paragraph.isEmpty()) {
                    out.add(paragraph.toString());
                    paragraph.setLength(0);
                }
            } else {
                if (!paragraph.isEmpty()) {
                    paragraph.append(' ');
                }
                paragraph.append(l);
            }
        }
        if (!paragraph.isEmpty()) {
            out.add(paragraph.toString());
        }
    }
}
