package dev.untangle.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.untangle.wire.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Gpt2TokenizerTest {

    private static Gpt2Tokenizer full;
    private static List<String> texts;

    @BeforeAll
    static void setUp() throws IOException {
        full = Gpt2Tokenizer.fromGpt2Files(SharedData.gpt2TokenizerDir(), 0);
        texts = new ArrayList<>();
        for (String line : SharedData.hhLines(150)) {
            JsonNode pair = Json.MAPPER.readTree(line);
            texts.add(pair.get("chosen").asText());
            texts.add(pair.get("rejected").asText());
        }
    }

    @AfterAll
    static void tearDown() {
        full.close();
    }

    @Test
    void fullVocabularyGivesGpt2Ids() {
        assertEquals(50257, full.vocabSize());
        assertEquals(50256, full.endOfTextId());
        assertTrue(full.idsMatchGpt2(), "encoder.json ids follow merge order, so no remapping happened");
        assertArrayEquals(new int[] {15496, 995}, full.encode("Hello world"));
        assertArrayEquals(new int[] {50256}, full.encode("<|endoftext|>"));
        // Leading space is part of the token (no prefix space added): " Hello" is 18435.
        assertArrayEquals(new int[] {18435, 995}, full.encode(" Hello world"));
        assertEquals("Hello world", full.decode(new int[] {15496, 995}));
    }

    @Test
    void matchesReferenceBpeAndRoundTripsOnHhDialogues() throws IOException {
        ReferenceBpe reference = new ReferenceBpe(SharedData.gpt2TokenizerDir(), 0);
        int tokens = 0;
        for (String text : texts) {
            int[] ids = full.encode(text);
            assertArrayEquals(reference.encode(text), ids, () -> "ids differ for: " + text);
            assertEquals(text, full.decode(ids));
            tokens += ids.length;
        }
        assertTrue(tokens > 10_000, "the sample is substantial: " + tokens + " tokens");
    }

    @Test
    void truncatedVocabularyKeepsTheFirstMergesAndEndOfTextLast() throws IOException {
        int size = 4096;
        try (Gpt2Tokenizer small = Gpt2Tokenizer.fromGpt2Files(SharedData.gpt2TokenizerDir(), size)) {
            assertEquals(size, small.vocabSize());
            assertEquals(size - 1, small.endOfTextId());
            assertArrayEquals(new int[] {size - 1}, small.encode("<|endoftext|>"));
            ReferenceBpe reference = new ReferenceBpe(SharedData.gpt2TokenizerDir(), size - 257);
            int fullTokens = 0;
            int smallTokens = 0;
            for (String text : texts) {
                int[] ids = small.encode(text);
                assertArrayEquals(reference.encode(text), ids, () -> "ids differ for: " + text);
                for (int id : ids) {
                    assertTrue(id >= 0 && id < size - 1, "id " + id + " outside the kept vocabulary");
                }
                assertEquals(text, small.decode(ids));
                smallTokens += ids.length;
                fullTokens += full.encode(text).length;
            }
            // Merged ids keep GPT-2's numbering below the cut: "Hello" (15496) is beyond 4096 merges but
            // " the" (262) is merge 7 in GPT-2's ranking.
            assertArrayEquals(new int[] {262}, small.encode(" the"));
            assertTrue(smallTokens > fullTokens, "fewer merges, longer sequences");
        }
    }

    @Test
    void smallestVocabularyIsBytesPlusEndOfText() throws IOException {
        try (Gpt2Tokenizer bytes = Gpt2Tokenizer.fromGpt2Files(SharedData.gpt2TokenizerDir(), 257)) {
            String text = "héllo\n";
            int[] ids = bytes.encode(text);
            assertEquals(text.getBytes(StandardCharsets.UTF_8).length, ids.length, "one token per UTF-8 byte");
            assertEquals(text, bytes.decode(ids));
            assertEquals(256, bytes.endOfTextId());
        }
        assertThrows(IllegalArgumentException.class,
                () -> Gpt2Tokenizer.fromGpt2Files(SharedData.gpt2TokenizerDir(), 256));
        assertThrows(IllegalArgumentException.class,
                () -> Gpt2Tokenizer.fromGpt2Files(SharedData.gpt2TokenizerDir(), 50258));
    }

    @Test
    void savedTokenizerJsonReloadsWithIdenticalIds(@TempDir Path dir) throws IOException {
        try (Gpt2Tokenizer small = Gpt2Tokenizer.fromGpt2Files(SharedData.gpt2TokenizerDir(), 1000)) {
            small.save(dir);
            try (Gpt2Tokenizer reloaded = Gpt2Tokenizer.load(dir, 0)) {
                assertEquals(1000, reloaded.vocabSize());
                assertEquals(999, reloaded.endOfTextId());
                for (String text : texts.subList(0, 40)) {
                    assertArrayEquals(small.encode(text), reloaded.encode(text));
                }
            }
            assertThrows(IllegalArgumentException.class, () -> Gpt2Tokenizer.load(dir, 2000));
        }
        try (Gpt2Tokenizer fromOpenAiFiles = Gpt2Tokenizer.load(SharedData.gpt2TokenizerDir(), 300)) {
            assertEquals(300, fromOpenAiFiles.vocabSize());
        }
    }

    @Test
    void longTextIsNeverTruncated() {
        String text = String.join("\n\n", texts.subList(0, 60));
        int[] ids = full.encode(text);
        assertTrue(ids.length > 2000, "long input: " + ids.length + " tokens");
        assertEquals(text, full.decode(ids));
    }

    @Test
    void badMergesFileNamesFileAndLine(@TempDir Path dir) throws IOException {
        Files.copy(SharedData.gpt2TokenizerDir().resolve("encoder.json"), dir.resolve("encoder.json"));
        Files.writeString(dir.resolve("vocab.bpe"), "#version: 0.2\nĠ t\nĠ a b\n");
        IOException e = assertThrows(IOException.class, () -> Gpt2Tokenizer.fromGpt2Files(dir, 0));
        assertTrue(e.getMessage().contains("vocab.bpe:3"), e.getMessage());
    }

    /**
     * OpenAI's encoder.py algorithm written out plainly (regex pre-tokenization, bytes to symbols, repeatedly
     * merge the lowest-ranked adjacent pair), as an independent check of the native tokenizer.
     */
    static final class ReferenceBpe {
        private static final Pattern SPLIT = Pattern.compile(
                "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
        private final Map<String, Integer> ranks = new HashMap<>();
        private final Map<String, Integer> ids = new HashMap<>();
        private final String[] byteSymbol = new String[256];

        ReferenceBpe(Path dir, int mergeCount) throws IOException {
            List<String> lines = Files.readAllLines(dir.resolve("vocab.bpe"), StandardCharsets.UTF_8);
            int limit = mergeCount == 0 ? Integer.MAX_VALUE : mergeCount;
            for (String line : lines.subList(1, lines.size())) {
                if (!line.isEmpty() && ranks.size() < limit) {
                    ranks.put(line, ranks.size());
                }
            }
            JsonNode encoder = Json.MAPPER.readTree(dir.resolve("encoder.json").toFile());
            encoder.fields().forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asInt()));
            // encoder.py's bytes_to_unicode: printable bytes map to themselves, the rest to 256+k in byte order.
            int next = 256;
            for (int b = 0; b < 256; b++) {
                boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
                byteSymbol[b] = new String(Character.toChars(printable ? b : next++));
            }
        }

        int[] encode(String text) {
            List<Integer> out = new ArrayList<>();
            Matcher m = SPLIT.matcher(text);
            while (m.find()) {
                List<String> word = new ArrayList<>();
                for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
                    word.add(byteSymbol[b & 0xff]);
                }
                while (word.size() > 1) {
                    int best = -1;
                    int bestRank = Integer.MAX_VALUE;
                    for (int i = 0; i + 1 < word.size(); i++) {
                        Integer rank = ranks.get(word.get(i) + " " + word.get(i + 1));
                        if (rank != null && rank < bestRank) {
                            bestRank = rank;
                            best = i;
                        }
                    }
                    if (best < 0) {
                        break;
                    }
                    String first = word.get(best);
                    String second = word.get(best + 1);
                    List<String> merged = new ArrayList<>();
                    for (int i = 0; i < word.size(); i++) {
                        if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                            merged.add(first + second);
                            i++;
                        } else {
                            merged.add(word.get(i));
                        }
                    }
                    word = merged;
                }
                for (String symbol : word) {
                    out.add(ids.get(symbol));
                }
            }
            return out.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
