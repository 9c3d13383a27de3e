package org.hourglass.data.onnxactivations;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * BERT's WordPiece tokenizer: normalise (drop control characters, space out CJK ideographs, lower-case and strip
 * accents), split on whitespace and punctuation, then cut each word greedily into the longest vocabulary entries,
 * continuation pieces carrying the {@code ##} prefix; a word that cannot be cut becomes {@code [UNK]}. Encodings
 * are {@code [CLS] tokens [SEP]}. Reads a Hugging Face {@code tokenizer.json} of a WordPiece model or a plain
 * {@code vocab.txt} (one token per line, the id is the line number).
 */
final class WordPieceTokenizer {

    /** Reads tokenizer.json (Jackson's tree: the file has many optional parts, only a few are read). */
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One encoded text: token ids with {@code [CLS]} and {@code [SEP]}, all attended, token type 0. */
    record Encoding(long[] ids, boolean truncated) {
        int length() {
            return ids.length;
        }
    }

    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final boolean lowercase;
    private final boolean stripAccents;
    private final String prefix;
    private final int maxWordChars;
    private final int unk;
    private final int cls;
    private final int sep;
    private final int pad;

    WordPieceTokenizer(Map<String, Integer> vocab, boolean lowercase, boolean stripAccents, String prefix,
                       int maxWordChars, String unkToken) {
        this.vocab = Map.copyOf(vocab);
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
        this.prefix = prefix;
        this.maxWordChars = maxWordChars;
        int size = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        this.tokens = new String[size];
        vocab.forEach((t, id) -> {
            if (id < 0) {
                throw new IllegalArgumentException("vocabulary: token '" + t + "' has negative id " + id);
            }
            tokens[id] = t;
        });
        this.unk = special(unkToken);
        this.cls = special("[CLS]");
        this.sep = special("[SEP]");
        this.pad = vocab.getOrDefault("[PAD]", 0);
    }

    private int special(String token) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException("vocabulary has no " + token + " token; not a BERT WordPiece "
                    + "vocabulary");
        }
        return id;
    }

    /** Reads {@code tokenizer.json} (a WordPiece model) or {@code vocab.txt}, told apart by the content. */
    static WordPieceTokenizer read(String name, byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.stripLeading().startsWith("{")) {
            return fromJson(name, text);
        }
        Map<String, Integer> vocab = new HashMap<>();
        String[] lines = text.split("\r?\n", -1);
        int n = lines.length > 0 && lines[lines.length - 1].isEmpty() ? lines.length - 1 : lines.length;
        for (int i = 0; i < n; i++) {
            vocab.putIfAbsent(lines[i], i);
        }
        try {
            return new WordPieceTokenizer(vocab, true, true, "##", 100, "[UNK]");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    private static WordPieceTokenizer fromJson(String name, String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException(name + ": not a tokenizer file: " + e.getOriginalMessage()
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()), e);
        }
        JsonNode model = root.path("model");
        JsonNode v = model.path("vocab");
        if (!v.isObject()) {
            throw new IllegalArgumentException(name + ": not a tokenizer.json with a model.vocab object");
        }
        JsonNode type = model.path("type");
        if (!type.isMissingNode() && !type.isNull() && !"WordPiece".equals(type.asText())) {
            throw new IllegalArgumentException(name + ": tokenizer model type is '" + type.asText()
                    + "', only WordPiece is supported");
        }
        Map<String, Integer> vocab = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            JsonNode id = e.getValue();
            if (!id.isNumber() || id.asDouble() != Math.rint(id.asDouble()) || !id.canConvertToInt()) {
                throw new IllegalArgumentException(name + ": vocabulary id of '" + e.getKey() + "' is not an integer");
            }
            vocab.put(e.getKey(), id.asInt());
        }
        boolean lowercase = true;
        boolean strip = true;
        JsonNode norm = root.path("normalizer");
        if (norm.isObject()) {
            if (norm.path("lowercase").isBoolean()) {
                lowercase = norm.path("lowercase").asBoolean();
            }
            // BERT's rule: strip_accents unset follows lowercase.
            strip = norm.path("strip_accents").isBoolean() ? norm.path("strip_accents").asBoolean() : lowercase;
        }
        String prefix = model.path("continuing_subword_prefix").isTextual()
                ? model.path("continuing_subword_prefix").asText() : "##";
        int maxChars = model.path("max_input_chars_per_word").isNumber()
                ? model.path("max_input_chars_per_word").asInt() : 100;
        String unkToken = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : "[UNK]";
        try {
            return new WordPieceTokenizer(vocab, lowercase, strip, prefix, maxChars, unkToken);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    int vocabularySize() {
        return tokens.length;
    }

    int padId() {
        return pad;
    }

    /** The id of {@code token}, or -1 when it is not in the vocabulary. */
    int id(String token) {
        return vocab.getOrDefault(token, -1);
    }

    /** The vocabulary entry of {@code id}. */
    String token(int id) {
        return tokens[id];
    }

    /** {@code [CLS]}, the word pieces of {@code text} (cut to {@code maxTokens - 2}) and {@code [SEP]}. */
    Encoding encode(String text, int maxTokens) {
        if (maxTokens < 2) {
            throw new IllegalArgumentException("max tokens must be at least 2 ([CLS] and [SEP]), was " + maxTokens);
        }
        List<Integer> pieces = wordPieces(text);
        int keep = Math.min(pieces.size(), maxTokens - 2);
        long[] ids = new long[keep + 2];
        ids[0] = cls;
        for (int i = 0; i < keep; i++) {
            ids[i + 1] = pieces.get(i);
        }
        ids[keep + 1] = sep;
        return new Encoding(ids, keep < pieces.size());
    }

    /** The word-piece ids of {@code text}, without special tokens. */
    List<Integer> wordPieces(String text) {
        List<Integer> out = new ArrayList<>();
        for (String word : words(normalize(text))) {
            piece(word, out);
        }
        return out;
    }

    /** BERT normalisation: control characters dropped, whitespace made spaces, CJK spaced, case and accents. */
    String normalize(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            if (isWhitespace(cp)) {
                sb.append(' ');
            } else if (isCjk(cp)) {
                sb.append(' ').appendCodePoint(cp).append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        String s = sb.toString();
        if (lowercase) {
            s = s.toLowerCase(java.util.Locale.ROOT);
        }
        if (stripAccents) {
            StringBuilder out = new StringBuilder(s.length());
            Normalizer.normalize(s, Normalizer.Form.NFD).codePoints()
                    .filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK)
                    .forEach(out::appendCodePoint);
            s = out.toString();
        }
        return s;
    }

    /** Splits on whitespace; each punctuation character is a word of its own. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        text.codePoints().forEach(cp -> {
            if (isWhitespace(cp) || isPunctuation(cp)) {
                if (!current.isEmpty()) {
                    words.add(current.toString());
                    current.setLength(0);
                }
                if (isPunctuation(cp)) {
                    words.add(new String(Character.toChars(cp)));
                }
            } else {
                current.appendCodePoint(cp);
            }
        });
        if (!current.isEmpty()) {
            words.add(current.toString());
        }
        return words;
    }

    /** Greedy longest-match-first; the whole word is {@code [UNK]} when some part matches nothing. */
    private void piece(String word, List<Integer> out) {
        if (word.codePointCount(0, word.length()) > maxWordChars) {
            out.add(unk);
            return;
        }
        List<Integer> pieces = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer found = null;
            while (start < end) {
                String sub = word.substring(start, end);
                if (start > 0) {
                    sub = prefix + sub;
                }
                found = vocab.get(sub);
                if (found != null) {
                    break;
                }
                end = Character.isLowSurrogate(word.charAt(end - 1)) && end - 2 > start ? end - 2 : end - 1;
            }
            if (found == null) {
                out.add(unk);
                return;
            }
            pieces.add(found);
            start = end;
        }
        out.addAll(pieces);
    }

    private static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.PRIVATE_USE
                || t == Character.SURROGATE || t == Character.UNASSIGNED;
    }

    /** ASCII symbols count as punctuation too (BERT treats $, +, ^, ` and the like as punctuation). */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
