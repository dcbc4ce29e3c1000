package dev.untangle.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.untangle.wire.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Model weights as a Hugging Face GPT-2 checkpoint directory: {@code model.safetensors} with GPT-2's tensor
 * names and layouts, and {@code config.json} with GPT-2's field names. A user's real GPT-2 checkpoint loads
 * as is: names with or without the "transformer." prefix, the attn.bias / attn.masked_bias buffers ignored,
 * F16 and BF16 tensors converted to F32 here in Java (a BF16 tensor handed to this engine aborts the JVM,
 * notes/djl.md, Checkpoints). The safetensors format is simple enough to read and write directly: an
 * 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, then the bytes.
 */
public final class GptWeights {

    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String CONFIG_FILE = "config.json";
    private static final String PREFIX = "transformer.";
    private static final String HEAD = "lm_head.weight";

    private GptWeights() {
    }

    /**
     * Writes model.safetensors (float32) and config.json into dir, creating it. Each file is written to a
     * temporary name, fsynced and renamed, so a crash leaves either the old or the new file, never a torn one.
     */
    public static void save(Gpt model, Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.parametersByName().entrySet()) {
            if (!e.getValue().isInitialized()) {
                throw new IllegalStateException("cannot save an uninitialized model: " + e.getKey() + " has no value");
            }
            tensors.put(e.getKey(), e.getValue().getArray());
        }
        writeSafetensors(tensors, dir.resolve(WEIGHTS_FILE));
        byte[] config = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(configJson(model.config()));
        writeAtomically(dir.resolve(CONFIG_FILE), channel -> channel.write(ByteBuffer.wrap(config)));
    }

    /**
     * Reads config.json and model.safetensors from dir, builds the model and sets every parameter by name on
     * the manager's device, requiring gradient. Fails naming the file and tensor when a tensor is missing,
     * has the wrong shape (a transposed layout is called out) or is not part of a GPT-2 model.
     */
    public static Gpt load(Path dir, NDManager manager) throws IOException {
        GptConfig config = readConfig(dir.resolve(CONFIG_FILE));
        Path file = dir.resolve(WEIGHTS_FILE);
        Gpt model = new Gpt(config);
        Map<String, NDArray> tensors = new TreeMap<>();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : readSafetensors(file, manager).entrySet()) {
            String name = canonicalName(e.getKey());
            boolean buffer = name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias");
            boolean redundantHead = name.equals(HEAD) && config.tiedHead();
            if (buffer || redundantHead) {
                e.getValue().close();
            } else if (model.expectedShape(name) == null) {
                unknown.add(e.getKey());
                e.getValue().close();
            } else {
                tensors.put(name, e.getValue());
            }
        }
        try {
            if (!unknown.isEmpty()) {
                throw new IOException(file + ": tensors that are not part of a GPT-2 model with " + config
                        + ": " + unknown);
            }
            for (Map.Entry<String, Parameter> e : model.parametersByName().entrySet()) {
                String name = e.getKey();
                NDArray array = tensors.get(name);
                if (array == null) {
                    throw new IOException(file + ": tensor '" + name + "' is missing (also looked for '"
                            + name.substring(name.startsWith(PREFIX) ? PREFIX.length() : 0) + "')");
                }
                Shape expected = model.expectedShape(name);
                if (!array.getShape().equals(expected)) {
                    boolean transposed = expected.dimension() == 2
                            && array.getShape().equals(new Shape(expected.get(1), expected.get(0)));
                    throw new IOException(file + ": tensor '" + name + "' has shape " + array.getShape()
                            + " but " + CONFIG_FILE + " implies " + expected
                            + (transposed ? " (transposed: GPT-2 stores Conv1D weights as (in, out))" : ""));
                }
            }
        } catch (IOException | RuntimeException failure) {
            tensors.values().forEach(NDArray::close);
            throw failure;
        }
        for (Map.Entry<String, Parameter> e : model.parametersByName().entrySet()) {
            NDArray array = tensors.get(e.getKey());
            e.getValue().setArray(array);
            array.setRequiresGradient(true);
        }
        return model;
    }

    /** GPT-2's config.json fields for this configuration (plus the HF bookkeeping fields a loader expects). */
    public static ObjectNode configJson(GptConfig c) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("model_type", "gpt2");
        node.putArray("architectures").add("GPT2LMHeadModel");
        node.put("vocab_size", c.vocabSize());
        node.put("n_positions", c.contextLength());
        node.put("n_ctx", c.contextLength());
        node.put("n_embd", c.width());
        node.put("n_layer", c.layers());
        node.put("n_head", c.heads());
        node.put("layer_norm_epsilon", (double) c.layerNormEps());
        node.put("tie_word_embeddings", c.tiedHead());
        node.put("activation_function", "gelu_new");
        node.put("resid_pdrop", 0.0);
        node.put("embd_pdrop", 0.0);
        node.put("attn_pdrop", 0.0);
        return node;
    }

    /**
     * Reads a GPT-2 config.json. n_embd, n_layer, n_head, vocab_size and n_positions (or n_ctx) are required;
     * layer_norm_epsilon defaults to 1e-5 and tie_word_embeddings to true, as in Hugging Face's GPT2Config.
     */
    public static GptConfig readConfig(Path configFile) throws IOException {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(configFile.toFile());
        } catch (IOException e) {
            throw new IOException(configFile + ": cannot read GPT-2 config: " + e.getMessage(), e);
        }
        String activation = node.path("activation_function").asText("gelu_new");
        if (!activation.equals("gelu_new") && !activation.equals("gelu_pytorch_tanh")) {
            throw new IOException(configFile + ": activation_function '" + activation
                    + "' is not supported; this model implements GPT-2's tanh GELU (gelu_new)");
        }
        int positions = node.has("n_positions") ? requiredInt(node, "n_positions", configFile)
                : requiredInt(node, "n_ctx", configFile);
        try {
            return new GptConfig(requiredInt(node, "vocab_size", configFile), positions,
                    requiredInt(node, "n_embd", configFile), requiredInt(node, "n_layer", configFile),
                    requiredInt(node, "n_head", configFile), node.path("tie_word_embeddings").asBoolean(true),
                    (float) node.path("layer_norm_epsilon").asDouble(GptConfig.GPT2_LAYER_NORM_EPS));
        } catch (IllegalArgumentException e) {
            throw new IOException(configFile + ": " + e.getMessage(), e);
        }
    }

    private static int requiredInt(JsonNode node, String field, Path file) throws IOException {
        JsonNode value = node.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new IOException(file + ": field '" + field + "' is missing or not an integer");
        }
        return value.intValue();
    }

    private static String canonicalName(String name) {
        return name.startsWith(PREFIX) || name.equals(HEAD) ? name : PREFIX + name;
    }

    // ---------------------------------------------------------------------------------------------------
    // safetensors

    /**
     * Every tensor of a safetensors file by name, as float32 arrays in manager (F32, F16, BF16 and F64 are
     * accepted; F16/BF16 are widened in Java). Errors name the file and the tensor.
     */
    public static Map<String, NDArray> readSafetensors(Path file, NDManager manager) throws IOException {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new IOException(file + ": not a safetensors file (" + size + " bytes)");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(lengthBytes, 0);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength <= 0 || headerLength > size - 8 || headerLength > 100_000_000) {
                throw new IOException(file + ": not a safetensors file (header length " + headerLength + ")");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            channel.read(headerBytes, 8);
            JsonNode header;
            try {
                header = Json.MAPPER.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IOException(file + ": safetensors header is not valid JSON: " + e.getMessage(), e);
            }
            long dataStart = 8 + headerLength;
            try {
                Iterator<Map.Entry<String, JsonNode>> fields = header.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> entry = fields.next();
                    if (entry.getKey().equals("__metadata__")) {
                        continue;
                    }
                    out.put(entry.getKey(), readTensor(file, channel, dataStart, size, entry.getKey(),
                            entry.getValue(), manager));
                }
            } catch (IOException | RuntimeException e) {
                out.values().forEach(NDArray::close);
                throw e;
            }
        }
        return out;
    }

    private static NDArray readTensor(Path file, FileChannel channel, long dataStart, long fileSize, String name,
                                      JsonNode info, NDManager manager) throws IOException {
        String where = file + ": tensor '" + name + "'";
        String dtype = info.path("dtype").asText("");
        int bytesPerValue = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "F64" -> 8;
            default -> throw new IOException(where + " has dtype '" + dtype
                    + "'; only F32, F16, BF16 and F64 weights are supported");
        };
        JsonNode shapeNode = info.path("shape");
        long[] dims = new long[shapeNode.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shapeNode.get(i).asLong();
        }
        Shape shape = new Shape(dims);
        JsonNode offsets = info.path("data_offsets");
        long begin = offsets.path(0).asLong(-1);
        long end = offsets.path(1).asLong(-1);
        long expectedBytes = shape.size() * bytesPerValue;
        if (begin < 0 || end - begin != expectedBytes || dataStart + end > fileSize) {
            throw new IOException(where + ": data_offsets " + offsets + " do not hold " + shape + " of " + dtype
                    + " within a file of " + fileSize + " bytes");
        }
        int count = Math.toIntExact(shape.size());
        MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, expectedBytes);
        mapped.order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[count];
        switch (dtype) {
            case "F32" -> mapped.asFloatBuffer().get(values);
            case "F64" -> {
                for (int i = 0; i < count; i++) {
                    values[i] = (float) mapped.getDouble(i * 8);
                }
            }
            case "BF16" -> {
                // bfloat16 is the top half of a float32: widen by shifting the bits into place.
                for (int i = 0; i < count; i++) {
                    values[i] = Float.intBitsToFloat((mapped.getShort(i * 2) & 0xffff) << 16);
                }
            }
            default -> {
                for (int i = 0; i < count; i++) {
                    values[i] = halfToFloat(mapped.getShort(i * 2));
                }
            }
        }
        return manager.create(values, shape);
    }

    /** IEEE 754 binary16 to float32 (subnormals, infinities and NaN included). */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f; // subnormal (or zero): mantissa * 2^-24
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** Writes tensors as F32 safetensors, atomically (temp file, fsync, rename). */
    public static void writeSafetensors(Map<String, NDArray> tensors, Path file) throws IOException {
        ObjectNode header = Json.MAPPER.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            Shape shape = e.getValue().getShape();
            ObjectNode info = header.putObject(e.getKey());
            info.put("dtype", "F32");
            var dims = info.putArray("shape");
            Arrays.stream(shape.getShape()).forEach(dims::add);
            long bytes = shape.size() * 4;
            info.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = Json.MAPPER.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8; // the format asks for an 8-byte aligned data start
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(json);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        writeAtomically(file, channel -> {
            prefix.flip();
            while (prefix.hasRemaining()) {
                channel.write(prefix);
            }
            for (NDArray array : tensors.values()) {
                float[] values = array.getDataType() == DataType.FLOAT32 ? array.toFloatArray()
                        : toFloat32(array);
                ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                FloatBuffer view = data.asFloatBuffer();
                view.put(values);
                while (data.hasRemaining()) {
                    channel.write(data);
                }
            }
        });
    }

    private static float[] toFloat32(NDArray array) {
        try (NDArray converted = array.toType(DataType.FLOAT32, true)) {
            return converted.toFloatArray();
        }
    }

    @FunctionalInterface
    private interface ChannelWriter {
        void write(FileChannel channel) throws IOException;
    }

    /** Write to a temp file beside target, fsync it, rename over target, fsync the directory. */
    static void writeAtomically(Path target, ChannelWriter writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writer.write(channel);
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        } catch (IOException ignored) {
            // Some file systems cannot fsync a directory; the rename itself is still atomic.
        }
    }
}
