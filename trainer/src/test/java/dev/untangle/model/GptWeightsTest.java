package dev.untangle.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.untangle.wire.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GptWeightsTest {

    private static final int VOCAB = 40;
    private NDManager manager;
    @TempDir
    Path dir;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private NDArray logits(Gpt model, long[][] ids) {
        return GptTest.forward(model, manager.create(ids)).get(0);
    }

    @Test
    void saveThenLoadGivesIdenticalLogits() throws IOException {
        for (boolean tied : new boolean[] {true, false}) {
            Gpt model = new Gpt(GptConfig.preset("tiny", VOCAB).withTiedHead(tied));
            model.initialize(manager, 4);
            Path checkpoint = dir.resolve(tied ? "tied" : "untied");
            GptWeights.save(model, checkpoint);
            Gpt loaded = GptWeights.load(checkpoint, manager);
            assertEquals(model.config(), loaded.config());
            long[][] ids = GptTest.randomIds(1, 2, 30, VOCAB);
            assertTrue(logits(model, ids).contentEquals(logits(loaded, ids)), "bit-identical logits");
            for (Parameter p : loaded.parametersByName().values()) {
                assertTrue(p.getArray().hasGradient(), p.getName() + " requires gradient after load");
            }
            try (Stream<Path> files = Files.list(checkpoint)) {
                assertEquals(Set.of("config.json", "model.safetensors"),
                        files.map(f -> f.getFileName().toString()).collect(Collectors.toSet()), "no temp files left");
            }
        }
    }

    @Test
    void fileUsesHuggingFaceNamesLayoutsAndConfigFields() throws IOException {
        Gpt model = new Gpt(GptConfig.preset("tiny", VOCAB).withTiedHead(false));
        model.initialize(manager, 4);
        GptWeights.save(model, dir);
        byte[] bytes = Files.readAllBytes(dir.resolve("model.safetensors"));
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + headerLength) % 8, "data starts 8-byte aligned");
        JsonNode header = Json.MAPPER.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        Set<String> names = new TreeSet<>();
        header.fieldNames().forEachRemaining(names::add);
        names.remove("__metadata__");
        assertEquals(2 + 2 * 12 + 2 + 1, names.size());
        assertTrue(names.containsAll(Set.of("transformer.wte.weight", "transformer.wpe.weight",
                "transformer.h.1.ln_1.weight", "transformer.h.1.attn.c_attn.weight", "transformer.h.1.attn.c_proj.bias",
                "transformer.h.1.mlp.c_fc.weight", "transformer.h.1.mlp.c_proj.weight", "transformer.ln_f.bias",
                "lm_head.weight")), names.toString());
        assertEquals("[32,96]", header.get("transformer.h.0.attn.c_attn.weight").get("shape").toString());
        assertEquals("[32,128]", header.get("transformer.h.0.mlp.c_fc.weight").get("shape").toString());
        assertEquals("[128,32]", header.get("transformer.h.0.mlp.c_proj.weight").get("shape").toString());
        assertEquals("[40,32]", header.get("lm_head.weight").get("shape").toString());
        assertEquals("F32", header.get("transformer.wte.weight").get("dtype").asText());

        JsonNode config = Json.MAPPER.readTree(dir.resolve("config.json").toFile());
        assertEquals(32, config.get("n_embd").asInt());
        assertEquals(2, config.get("n_layer").asInt());
        assertEquals(2, config.get("n_head").asInt());
        assertEquals(64, config.get("n_positions").asInt());
        assertEquals(40, config.get("vocab_size").asInt());
        assertEquals(1e-5, config.get("layer_norm_epsilon").asDouble(), 1e-12);
        assertEquals(false, config.get("tie_word_embeddings").asBoolean());

        // Loading is by name: a file with the tensors in reverse order loads the same model.
        Map<String, NDArray> reversed = new LinkedHashMap<>();
        var entries = new java.util.ArrayList<>(model.parametersByName().entrySet());
        java.util.Collections.reverse(entries);
        entries.forEach(e -> reversed.put(e.getKey(), e.getValue().getArray()));
        GptWeights.writeSafetensors(reversed, dir.resolve("model.safetensors"));
        long[][] ids = GptTest.randomIds(2, 1, 12, VOCAB);
        assertTrue(logits(model, ids).contentEquals(logits(GptWeights.load(dir, manager), ids)));
    }

    @Test
    void realGpt2ConfigParses() throws IOException {
        // Hugging Face's gpt2 config.json (abridged): no tie_word_embeddings, dropout fields that we ignore.
        Files.writeString(dir.resolve("config.json"), """
                {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
                 "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
                 "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12,
                 "n_layer": 12, "n_positions": 1024, "resid_pdrop": 0.1, "vocab_size": 50257}
                """);
        assertEquals(GptConfig.preset("gpt2", 50257), GptWeights.readConfig(dir.resolve("config.json")));
        Files.writeString(dir.resolve("config.json"), "{\"n_embd\": 768, \"n_head\": 12, \"n_positions\": 1024}");
        IOException e = assertThrows(IOException.class, () -> GptWeights.readConfig(dir.resolve("config.json")));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("vocab_size"), e.getMessage());
    }

    /** A Hugging Face style checkpoint: no "transformer." prefix, attention buffers, F16 or BF16. */
    @Test
    void halfPrecisionHuggingFaceCheckpointsLoad() throws IOException {
        GptConfig config = GptConfig.preset("tiny", VOCAB);
        Gpt reference = new Gpt(config);
        reference.initialize(manager, 9);
        // k/256 with |k| <= 64, and 1 + k/128 with |k| <= 8, are exact in F16 and BF16: loading is lossless.
        Random random = new Random(3);
        Map<String, float[]> values = new LinkedHashMap<>();
        for (var e : reference.parametersByName().entrySet()) {
            NDArray array = e.getValue().getArray();
            float[] v = new float[(int) array.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = e.getKey().contains("ln_") ? 1 + (random.nextInt(17) - 8) / 128f
                        : (random.nextInt(129) - 64) / 256f;
            }
            array.set(manager.create(v, array.getShape()).toFloatArray());
            values.put(e.getKey(), v);
        }
        long[][] ids = GptTest.randomIds(5, 2, 16, VOCAB);
        NDArray expected = logits(reference, ids);
        for (String dtype : new String[] {"F16", "BF16"}) {
            Path checkpoint = dir.resolve(dtype);
            Files.createDirectories(checkpoint);
            Files.writeString(checkpoint.resolve("config.json"), GptWeights.configJson(config).toString());
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (var e : values.entrySet()) {
                Shape shape = reference.parametersByName().get(e.getKey()).getShape();
                tensors.put(e.getKey().substring("transformer.".length()), new Tensor(dtype, shape, e.getValue()));
            }
            float[] causal = new float[64 * 64];
            tensors.put("h.0.attn.bias", new Tensor(dtype, new Shape(1, 1, 64, 64), causal));
            tensors.put("h.1.attn.masked_bias", new Tensor(dtype, new Shape(), new float[] {-8192f}));
            writeHalfSafetensors(tensors, checkpoint.resolve("model.safetensors"));
            Gpt loaded = GptWeights.load(checkpoint, manager);
            NDArray c = loaded.parametersByName().get("transformer.h.0.attn.c_attn.weight").getArray();
            assertEquals(DataType.FLOAT32, c.getDataType());
            assertTrue(logits(loaded, ids).contentEquals(expected), dtype + " checkpoint gives the same logits");
        }
    }

    @Test
    void transposedOrMissingTensorsAreRejectedByName() throws IOException {
        Gpt model = new Gpt(GptConfig.preset("tiny", VOCAB));
        model.initialize(manager, 4);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        model.parametersByName().forEach((name, p) -> tensors.put(name, p.getArray()));
        tensors.put("transformer.h.1.mlp.c_fc.weight",
                tensors.get("transformer.h.1.mlp.c_fc.weight").transpose()); // nn.Linear's (out, in)
        GptWeights.save(model, dir);
        GptWeights.writeSafetensors(tensors, dir.resolve("model.safetensors"));
        IOException transposed = assertThrows(IOException.class, () -> GptWeights.load(dir, manager));
        assertTrue(transposed.getMessage().contains("model.safetensors"), transposed.getMessage());
        assertTrue(transposed.getMessage().contains("'transformer.h.1.mlp.c_fc.weight' has shape (128, 32)"),
                transposed.getMessage());
        assertTrue(transposed.getMessage().contains("transposed"), transposed.getMessage());

        tensors.remove("transformer.h.1.mlp.c_fc.weight");
        GptWeights.writeSafetensors(tensors, dir.resolve("model.safetensors"));
        IOException missing = assertThrows(IOException.class, () -> GptWeights.load(dir, manager));
        assertTrue(missing.getMessage().contains("'transformer.h.1.mlp.c_fc.weight' is missing"),
                missing.getMessage());

        Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});
        IOException garbage = assertThrows(IOException.class, () -> GptWeights.load(dir, manager));
        assertTrue(garbage.getMessage().contains("not a safetensors file"), garbage.getMessage());
    }

    @Test
    void halfFloatConversionMatchesIeee() {
        assertEquals(1.0f, GptWeights.halfToFloat((short) 0x3C00));
        assertEquals(-2.0f, GptWeights.halfToFloat((short) 0xC000));
        assertEquals(65504f, GptWeights.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, GptWeights.halfToFloat((short) 0x0001));
        assertEquals(0x1p-14f, GptWeights.halfToFloat((short) 0x0400));
        assertEquals(Float.POSITIVE_INFINITY, GptWeights.halfToFloat((short) 0x7C00));
        assertTrue(Float.isNaN(GptWeights.halfToFloat((short) 0x7E00)));
        assertEquals(-0.0f, GptWeights.halfToFloat((short) 0x8000));
        assertEquals(0.333251953125f, GptWeights.halfToFloat((short) 0x3555));
    }

    private record Tensor(String dtype, Shape shape, float[] values) {
    }

    /** Writes F16/BF16 safetensors; values must be exactly representable (checked). */
    private static void writeHalfSafetensors(Map<String, Tensor> tensors, Path file) throws IOException {
        ObjectNode header = Json.MAPPER.createObjectNode();
        long offset = 0;
        for (var e : tensors.entrySet()) {
            ObjectNode info = header.putObject(e.getKey());
            info.put("dtype", e.getValue().dtype());
            ArrayNode shape = info.putArray("shape");
            for (long d : e.getValue().shape().getShape()) {
                shape.add(d);
            }
            long bytes = e.getValue().values().length * 2L;
            info.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = Json.MAPPER.writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate((int) (8 + json.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json);
        for (Tensor t : tensors.values()) {
            for (float v : t.values()) {
                short bits = t.dtype().equals("BF16") ? (short) (Float.floatToIntBits(v) >>> 16) : exactHalf(v);
                float back = t.dtype().equals("BF16") ? Float.intBitsToFloat((bits & 0xffff) << 16)
                        : GptWeights.halfToFloat(bits);
                assertEquals(v, back, "test value must be exact in " + t.dtype());
                out.putShort(bits);
            }
        }
        Files.write(file, out.array());
    }

    /** float32 to binary16 for normal values and zero (truncating; the caller checks exactness). */
    private static short exactHalf(float v) {
        if (v == 0) {
            return 0;
        }
        int bits = Float.floatToIntBits(v);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = ((bits >>> 23) & 0xff) - 127 + 15;
        return (short) (sign | (exponent << 10) | ((bits >>> 13) & 0x3ff));
    }
}
