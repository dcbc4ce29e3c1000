package dev.untangle.model;

import java.util.List;
import java.util.Map;

/**
 * Shape of a GPT-2-architecture decoder (DESIGN.md section 2, "a GPT-2-architecture causal LM").
 *
 * @param vocabSize    rows of the token embedding (and of the head)
 * @param contextLength number of learned positions (GPT-2's n_positions)
 * @param width        residual stream width d (n_embd)
 * @param layers       number of pre-LN blocks (n_layer)
 * @param heads        attention heads; must divide width (n_head)
 * @param tiedHead     true when the output head reuses the token embedding (GPT-2's default)
 * @param layerNormEps LayerNorm epsilon (GPT-2: 1e-5)
 */
public record GptConfig(int vocabSize, int contextLength, int width, int layers, int heads, boolean tiedHead,
                        float layerNormEps) {

    public static final float GPT2_LAYER_NORM_EPS = 1e-5f;

    /**
     * Named sizes. "small" is the CPU default: on 2 cores the output layer dominates the cost, so a narrow
     * model (d=128, L=4) with a vocabulary of a few thousand tokens trains in minutes (notes/djl.md, Speed).
     */
    private static final Map<String, int[]> PRESETS = Map.of(
            // name -> {contextLength, width, layers, heads}
            "tiny", new int[] {64, 32, 2, 2},
            "small", new int[] {256, 128, 4, 4},
            "medium", new int[] {512, 256, 6, 8},
            "gpt2", new int[] {1024, 768, 12, 12});
    private static final List<String> PRESET_ORDER = List.of("tiny", "small", "medium", "gpt2");

    public GptConfig {
        require(vocabSize > 0, "vocabSize must be positive, got " + vocabSize);
        require(contextLength > 0, "contextLength must be positive, got " + contextLength);
        require(width > 0 && layers > 0 && heads > 0, "width, layers and heads must be positive");
        require(width % heads == 0, "width " + width + " is not divisible by heads " + heads);
        require(layerNormEps > 0 && Float.isFinite(layerNormEps), "layerNormEps must be positive and finite");
    }

    /** A preset by name with the given vocabulary, tied head and GPT-2's LayerNorm epsilon. */
    public static GptConfig preset(String name, int vocabSize) {
        int[] p = PRESETS.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown model preset '" + name + "'; known: " + PRESET_ORDER);
        }
        return new GptConfig(vocabSize, p[0], p[1], p[2], p[3], true, GPT2_LAYER_NORM_EPS);
    }

    /** Preset names, smallest first. */
    public static List<String> presetNames() {
        return PRESET_ORDER;
    }

    public GptConfig withVocabSize(int newVocabSize) {
        return new GptConfig(newVocabSize, contextLength, width, layers, heads, tiedHead, layerNormEps);
    }

    public GptConfig withContextLength(int newContextLength) {
        return new GptConfig(vocabSize, newContextLength, width, layers, heads, tiedHead, layerNormEps);
    }

    public GptConfig withTiedHead(boolean tied) {
        return new GptConfig(vocabSize, contextLength, width, layers, heads, tied, layerNormEps);
    }

    public int headDim() {
        return width / heads;
    }

    /** Trainable scalar count: embeddings, per block 12 d^2 + 13 d, final LayerNorm, untied head. */
    public long parameterCount() {
        long d = width;
        long perBlock = 12 * d * d + 13 * d;
        long embeddings = (long) vocabSize * d + (long) contextLength * d;
        return embeddings + layers * perBlock + 2 * d + (tiedHead ? 0 : (long) vocabSize * d);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
