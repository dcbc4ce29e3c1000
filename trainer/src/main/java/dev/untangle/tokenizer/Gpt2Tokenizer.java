package dev.untangle.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.untangle.wire.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GPT-2's byte-level BPE, run by Hugging Face tokenizers through DJL (offline, native). Built either from
 * OpenAI's encoder.json + vocab.bpe or from a Hugging Face tokenizer.json; no truncation, no padding, no
 * special tokens added.
 *
 * <p>Smaller vocabularies: GPT-2's merges are ranked, so keeping the first N-257 merges gives a valid,
 * smaller byte-level BPE. Our convention: {@code vocabSize} N is the resulting TOTAL size, laid out as the 256
 * byte tokens (ids 0..255 as in encoder.json), the kept merges in rank order (ids 256..N-2) and end-of-text
 * (id N-1). For GPT-2's files merge i produces encoder.json id 256+i, so with the full vocabulary the ids are
 * exactly GPT-2's ("Hello world" is [15496, 995], end-of-text 50256); {@link #idsMatchGpt2()} reports it.
 * If some encoder.json did not follow merge order, ids are assigned densely in merge order instead.
 */
public final class Gpt2Tokenizer implements TextTokenizer, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Gpt2Tokenizer.class);
    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    private static final int BYTE_TOKENS = 256;

    private final String tokenizerJson;
    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final int endOfTextId;
    private final boolean idsMatchGpt2;

    private Gpt2Tokenizer(String tokenizerJson, int vocabSize, int endOfTextId, boolean idsMatchGpt2)
            throws IOException {
        this.tokenizerJson = tokenizerJson;
        this.vocabSize = vocabSize;
        this.endOfTextId = endOfTextId;
        this.idsMatchGpt2 = idsMatchGpt2;
        Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false",
                "padding", "false");
        this.tokenizer = HuggingFaceTokenizer.newInstance(
                new ByteArrayInputStream(tokenizerJson.getBytes(StandardCharsets.UTF_8)), options);
    }

    /**
     * From OpenAI's files in dir (encoder.json, vocab.bpe). vocabSize 0 keeps every merge (50,257 tokens);
     * otherwise it is the total size N, 257 &lt;= N &lt;= merges + 257.
     */
    public static Gpt2Tokenizer fromGpt2Files(Path dir, int vocabSize) throws IOException {
        Path encoderFile = dir.resolve("encoder.json");
        Path mergesFile = dir.resolve("vocab.bpe");
        JsonNode encoder;
        try {
            encoder = Json.MAPPER.readTree(encoderFile.toFile());
        } catch (IOException e) {
            throw new IOException(encoderFile + ": cannot read GPT-2 encoder: " + e.getMessage(), e);
        }
        List<String[]> merges = readMerges(mergesFile);
        int fullSize = merges.size() + BYTE_TOKENS + 1;
        int size = vocabSize == 0 ? fullSize : vocabSize;
        if (size < BYTE_TOKENS + 1 || size > fullSize) {
            throw new IllegalArgumentException("vocab size " + vocabSize + " must be 0 (full) or between "
                    + (BYTE_TOKENS + 1) + " and " + fullSize + " (256 bytes + " + merges.size()
                    + " merges in " + mergesFile + " + end-of-text)");
        }
        // Byte tokens: encoder.json's ids when they are exactly 0..255 for the 256 byte symbols.
        String[] byteSymbols = byteSymbols();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        boolean matches = true;
        String[] byId = new String[BYTE_TOKENS];
        for (String symbol : byteSymbols) {
            JsonNode id = encoder.get(symbol);
            if (id == null || id.asInt() < 0 || id.asInt() >= BYTE_TOKENS || byId[id.asInt()] != null) {
                matches = false;
                break;
            }
            byId[id.asInt()] = symbol;
        }
        if (!matches) {
            byId = byteSymbols;
        }
        for (int i = 0; i < BYTE_TOKENS; i++) {
            vocab.put(byId[i], i);
        }
        ArrayNode mergeList = Json.MAPPER.createArrayNode();
        int keep = size - BYTE_TOKENS - 1;
        for (int rank = 0; rank < keep; rank++) {
            String[] pair = merges.get(rank);
            String merged = pair[0] + pair[1];
            if (!vocab.containsKey(pair[0]) || !vocab.containsKey(pair[1])) {
                throw new IOException(mergesFile + ": merge " + (rank + 1) + " '" + pair[0] + " " + pair[1]
                        + "' uses a symbol no earlier merge produced");
            }
            if (vocab.putIfAbsent(merged, BYTE_TOKENS + rank) != null) {
                throw new IOException(mergesFile + ": merge " + (rank + 1) + " produces '" + merged
                        + "' a second time");
            }
            JsonNode gpt2Id = encoder.get(merged);
            matches &= gpt2Id != null && gpt2Id.asInt() == BYTE_TOKENS + rank;
            mergeList.add(pair[0] + " " + pair[1]);
        }
        if (vocabSize == 0 || size == fullSize) {
            JsonNode eot = encoder.get(END_OF_TEXT);
            matches &= eot != null && eot.asInt() == size - 1;
        }
        if (!matches) {
            LOG.warn("{} ids do not follow the merge order of {}; ids were assigned densely in merge order and "
                    + "differ from GPT-2's", encoderFile, mergesFile);
        }
        return new Gpt2Tokenizer(tokenizerJson(vocab, mergeList, size - 1), size, size - 1, matches);
    }

    /** From a Hugging Face tokenizer.json (ours, or GPT-2's own). End-of-text must be in it. */
    public static Gpt2Tokenizer fromTokenizerJson(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        JsonNode vocab = root.path("model").path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new IOException(file + ": model.vocab is missing; expected a BPE tokenizer.json");
        }
        int maxId = -1;
        Integer eot = vocab.has(END_OF_TEXT) ? vocab.get(END_OF_TEXT).asInt() : null;
        for (Iterator<JsonNode> it = vocab.elements(); it.hasNext(); ) {
            maxId = Math.max(maxId, it.next().asInt());
        }
        for (JsonNode added : root.path("added_tokens")) {
            maxId = Math.max(maxId, added.path("id").asInt());
            if (END_OF_TEXT.equals(added.path("content").asText())) {
                eot = added.path("id").asInt();
            }
        }
        if (eot == null) {
            throw new IOException(file + ": no '" + END_OF_TEXT + "' token in model.vocab or added_tokens");
        }
        return new Gpt2Tokenizer(text, maxId + 1, eot, false);
    }

    /**
     * A directory holding tokenizer.json (a checkpoint) or encoder.json + vocab.bpe, or a tokenizer.json file.
     * vocabSize applies to OpenAI's files; for a tokenizer.json it must be 0 or equal its size.
     */
    public static Gpt2Tokenizer load(Path dirOrFile, int vocabSize) throws IOException {
        Path json = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(TOKENIZER_FILE) : dirOrFile;
        if (Files.isRegularFile(json)) {
            Gpt2Tokenizer t = fromTokenizerJson(json);
            if (vocabSize != 0 && vocabSize != t.vocabSize()) {
                t.close();
                throw new IllegalArgumentException(json + " has " + t.vocabSize() + " tokens but vocab size "
                        + vocabSize + " was asked for");
            }
            return t;
        }
        if (Files.isRegularFile(dirOrFile.resolve("encoder.json"))) {
            return fromGpt2Files(dirOrFile, vocabSize);
        }
        throw new IOException(dirOrFile + ": neither a tokenizer.json nor a directory with tokenizer.json or "
                + "encoder.json + vocab.bpe");
    }

    /** Writes dir/tokenizer.json (temp file + rename), so a checkpoint directory is self-contained. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(TOKENIZER_FILE);
        Path temp = Files.createTempFile(dir, "." + TOKENIZER_FILE, ".tmp");
        try {
            Files.writeString(temp, tokenizerJson, StandardCharsets.UTF_8);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray(), false);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int endOfTextId() {
        return endOfTextId;
    }

    /**
     * True when every byte and merge id equals the id GPT-2's encoder.json gives that token (and, with the full
     * vocabulary, end-of-text is 50256). False for a tokenizer.json, whose ids are taken as they are.
     */
    public boolean idsMatchGpt2() {
        return idsMatchGpt2;
    }

    /** The Hugging Face tokenizer.json text this tokenizer runs. */
    public String tokenizerJson() {
        return tokenizerJson;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static List<String[]> readMerges(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String[]> merges = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || (i == 0 && line.startsWith("#"))) {
                continue;
            }
            String[] pair = line.split(" ");
            if (pair.length != 2) {
                throw new IOException(file + ":" + (i + 1) + ": expected two symbols separated by a space, got '"
                        + line + "'");
            }
            merges.add(pair);
        }
        return merges;
    }

    /**
     * GPT-2's reversible byte-to-symbol map (bytes_to_unicode in OpenAI's encoder.py): printable Latin-1
     * bytes map to themselves, the other 68 bytes to code points 256, 257, ... in byte order. Returned in
     * OpenAI's order (printable bytes first), which is the order of ids 0..255 in encoder.json.
     */
    static String[] byteSymbols() {
        List<Integer> printable = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) {
            printable.add(b);
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable.add(b);
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable.add(b);
        }
        Map<Integer, Integer> symbolOf = new HashMap<>();
        List<Integer> order = new ArrayList<>(printable);
        for (int b : printable) {
            symbolOf.put(b, b);
        }
        int next = 0;
        for (int b = 0; b < 256; b++) {
            if (!symbolOf.containsKey(b)) {
                symbolOf.put(b, 256 + next++);
                order.add(b);
            }
        }
        String[] symbols = new String[256];
        for (int i = 0; i < 256; i++) {
            symbols[i] = new String(Character.toChars(symbolOf.get(order.get(i))));
        }
        return symbols;
    }

    /** A Hugging Face tokenizer.json: ByteLevel pre-tokenizer and decoder, BPE model, nothing added. */
    private static String tokenizerJson(Map<String, Integer> vocab, ArrayNode merges, int endOfTextId) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ObjectNode eot = root.putArray("added_tokens").addObject();
        eot.put("id", endOfTextId);
        eot.put("content", END_OF_TEXT);
        eot.put("single_word", false);
        eot.put("lstrip", false);
        eot.put("rstrip", false);
        eot.put("normalized", true);
        eot.put("special", true);
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel");
        pre.put("add_prefix_space", false);
        pre.put("trim_offsets", true);
        pre.put("use_regex", true);
        root.putNull("post_processor");
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "ByteLevel");
        decoder.put("add_prefix_space", false);
        decoder.put("trim_offsets", true);
        decoder.put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocabNode = model.putObject("vocab");
        vocab.forEach(vocabNode::put);
        vocabNode.put(END_OF_TEXT, endOfTextId);
        model.set("merges", merges);
        return Json.write(root);
    }
}
