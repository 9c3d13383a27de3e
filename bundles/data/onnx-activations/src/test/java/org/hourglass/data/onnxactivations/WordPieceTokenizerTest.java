package org.hourglass.data.onnxactivations;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Token ids of the real MiniLM vocabulary; expected ids are looked up in tokenizer.json by text search. */
class WordPieceTokenizerTest {

    static WordPieceTokenizer tokenizer;

    @BeforeAll
    static void read() {
        tokenizer = WordPieceTokenizer.read("tokenizer.json", MiniLm.tokenizerJson().getBytes(StandardCharsets.UTF_8));
    }

    private static long[] ids(String... tokens) {
        return Arrays.stream(tokens).mapToLong(MiniLm::vocabId).toArray();
    }

    private static List<String> pieces(String text) {
        return tokenizer.wordPieces(text).stream().map(tokenizer::token).toList();
    }

    @Test
    void vocabularyIsRead() {
        assertEquals(30522, tokenizer.vocabularySize());
        assertEquals(MiniLm.vocabId("[PAD]"), tokenizer.padId());
        assertEquals(MiniLm.vocabId("hello"), tokenizer.id("hello"));
    }

    @Test
    void sentenceGetsClsAndSepAroundLowerCasedWordsAndPunctuation() {
        WordPieceTokenizer.Encoding e = tokenizer.encode("Hello, World!", 128);
        assertArrayEquals(ids("[CLS]", "hello", ",", "world", "!", "[SEP]"), e.ids());
        assertFalse(e.truncated());
    }

    @Test
    void unknownWordsAreCutIntoContinuationPieces() {
        // Longest match first: "una" is in this vocabulary, so "unaffable" starts with it, not with "un".
        assertEquals(List.of("una", "##ffa", "##ble"), pieces("unaffable"));
        assertEquals(List.of("em", "##bed", "##ding", "##s"), pieces("Embeddings"));
        assertArrayEquals(ids("[CLS]", "hour", "##glass", "token", "##ization", "[SEP]"),
                tokenizer.encode("Hourglass tokenization", 16).ids());
    }

    @Test
    void accentsAreStrippedAndApostrophesSplit() {
        assertEquals(List.of("cafe", "don", "'", "t"), pieces("Café DON'T"));
        assertEquals(List.of("naive", "resume"), pieces("naïve résumé"));
    }

    @Test
    void controlCharactersGoAndWhitespaceSeparates() {
        assertEquals(List.of("a", "b", "c"), pieces("a\tb\u0000\nc\u200b"));
        assertEquals(List.of(), pieces("   \u0007 "));
    }

    @Test
    void cjkIdeographsAreWordsOfTheirOwn() {
        List<String> p = pieces("中文");
        assertEquals(2, p.size());
        assertEquals(MiniLm.vocabId("中"), tokenizer.id(p.get(0)));
    }

    @Test
    void wordWithoutAnyPieceIsUnknown() {
        assertEquals(List.of("[UNK]"), pieces("\u2603\u2603"));
        assertEquals(List.of("[UNK]"), pieces("a".repeat(101)));
    }

    @Test
    void longTextIsCutToMaxTokens() {
        WordPieceTokenizer.Encoding e = tokenizer.encode("one two three four five six", 5);
        assertArrayEquals(ids("[CLS]", "one", "two", "three", "[SEP]"), e.ids());
        assertTrue(e.truncated());
        assertThrows(IllegalArgumentException.class, () -> tokenizer.encode("x", 1));
    }

    @Test
    void vocabTxtIsReadByLineNumberAndMatchesGreedily() {
        String vocab = String.join("\n", "[PAD]", "[UNK]", "[CLS]", "[SEP]", "play", "##ing", "##in", "##g",
                "p", "##lay") + "\n";
        WordPieceTokenizer t = WordPieceTokenizer.read("vocab.txt", vocab.getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(new long[] {2, 4, 5, 3}, t.encode("Playing", 10).ids());
        assertArrayEquals(new long[] {2, 1, 3}, t.encode("plays", 10).ids());
    }

    @Test
    void vocabularyWithoutSpecialTokensIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WordPieceTokenizer.read("v.txt", "a\nb\n".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("[UNK]"), e.getMessage());
        IllegalArgumentException bpe = assertThrows(IllegalArgumentException.class, () -> WordPieceTokenizer.read(
                "t.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {}}}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(bpe.getMessage().contains("BPE"), bpe.getMessage());
    }

    @Test
    void brokenTokenizerFilesNameFileAndPlace() {
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class, () -> WordPieceTokenizer.read(
                "t.json", "{\"model\": {\"vocab\": {\"a\": 1,\n \"b\" 2}}}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(broken.getMessage().startsWith("t.json: not a tokenizer file: ")
                && broken.getMessage().contains("at line 2, column"), broken.getMessage());
        IllegalArgumentException fraction = assertThrows(IllegalArgumentException.class, () -> WordPieceTokenizer.read(
                "t.json", "{\"model\": {\"vocab\": {\"[UNK]\": 0.5}}}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(fraction.getMessage().contains("vocabulary id of '[UNK]' is not an integer"), fraction.getMessage());
        IllegalArgumentException noVocab = assertThrows(IllegalArgumentException.class, () -> WordPieceTokenizer.read(
                "t.json", "{\"model\": {\"vocab\": []}}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(noVocab.getMessage().contains("with a model.vocab object"), noVocab.getMessage());
    }
}
