package dev.untangle.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A batch of token sequences laid out for teacher forcing, as plain arrays (no DJL), row-major (B, T):
 * row i holds {@code seq = prompt ++ response}; {@code inputIds = seq[:-1]}, {@code targets = seq[1:]},
 * right-padded with {@code padId} (the end-of-text id; right padding needs no attention mask under a causal
 * mask, notes/djl.md). {@code responseMask} is 1 where the target is a response token, 0 on prompt and
 * padding targets, so {@code sum(mask * logp(target))} is the summed response log-prob lw of DESIGN.md
 * section 1. {@code responseTokens[i]} is |y_i|, used by length-normalized losses (IPO, SimPO, ORPO).
 * {@code T} is the longest sequence minus one, optionally rounded up to a multiple (e.g. 8).
 *
 * <p>{@code preferenceMask} equals {@code responseMask} unless the batch was built with per-token weights
 * ({@link #sharedTokenMasks}) for the sparse token-masked loss, where it holds those weights at response
 * positions.
 */
public final class SequenceBatch {
    private final long[] inputIds;
    private final long[] targets;
    private final float[] responseMask;
    private final float[] preferenceMask;
    private final int[] responseTokens;
    private final int batch;
    private final int length;

    private SequenceBatch(long[] inputIds, long[] targets, float[] responseMask, float[] preferenceMask,
                          int[] responseTokens, int batch, int length) {
        this.inputIds = inputIds;
        this.targets = targets;
        this.responseMask = responseMask;
        this.preferenceMask = preferenceMask;
        this.responseTokens = responseTokens;
        this.batch = batch;
        this.length = length;
    }

    /** One row per (prompt, response); the mask covers the response targets. */
    public static SequenceBatch ofResponses(List<int[]> prompts, List<int[]> responses, int padId, int multipleOf) {
        return ofResponses(prompts, responses, null, padId, multipleOf);
    }

    /**
     * As {@link #ofResponses(List, List, int, int)}, with a weight per response token (same length as each
     * response) written into {@link #preferenceMask()}; null weights mean 1.
     */
    public static SequenceBatch ofResponses(List<int[]> prompts, List<int[]> responses, List<float[]> weights,
                                            int padId, int multipleOf) {
        if (prompts.size() != responses.size() || (weights != null && weights.size() != responses.size())) {
            throw new IllegalArgumentException("prompts, responses and weights must have the same count");
        }
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("empty batch");
        }
        int rows = prompts.size();
        int longest = 0;
        for (int i = 0; i < rows; i++) {
            if (prompts.get(i).length == 0 || responses.get(i).length == 0) {
                throw new IllegalArgumentException("row " + i + ": prompt and response need at least one token each");
            }
            if (weights != null && weights.get(i).length != responses.get(i).length) {
                throw new IllegalArgumentException("row " + i + ": one weight per response token expected");
            }
            longest = Math.max(longest, prompts.get(i).length + responses.get(i).length);
        }
        int t = roundUp(longest - 1, multipleOf);
        SequenceBatch out = allocate(rows, t, padId);
        for (int i = 0; i < rows; i++) {
            int[] prompt = prompts.get(i);
            int[] response = responses.get(i);
            int[] seq = concat(prompt, response);
            out.fillRow(i, seq);
            // target index j = t + 1 of seq is a response token when j >= |prompt|
            for (int k = 0; k < response.length; k++) {
                int position = i * t + prompt.length - 1 + k;
                out.responseMask[position] = 1f;
                out.preferenceMask[position] = weights == null ? 1f : weights.get(i)[k];
            }
            out.responseTokens[i] = response.length;
        }
        return out;
    }

    /** The chosen side of a list of pairs: rows prompt ++ chosen. */
    public static SequenceBatch chosen(List<EncodedPair> pairs, int padId, int multipleOf) {
        return ofResponses(pairs.stream().map(EncodedPair::prompt).toList(),
                pairs.stream().map(EncodedPair::chosen).toList(), padId, multipleOf);
    }

    /** The rejected side of a list of pairs: rows prompt ++ rejected. */
    public static SequenceBatch rejected(List<EncodedPair> pairs, int padId, int multipleOf) {
        return ofResponses(pairs.stream().map(EncodedPair::prompt).toList(),
                pairs.stream().map(EncodedPair::rejected).toList(), padId, multipleOf);
    }

    /** Both sides with {@link #sharedTokenMasks} in their preference masks (sparse token-masked loss). */
    public static SequenceBatch[] withSharedTokenMasks(List<EncodedPair> pairs, int padId, int multipleOf) {
        List<float[]> chosenWeights = new ArrayList<>();
        List<float[]> rejectedWeights = new ArrayList<>();
        for (EncodedPair pair : pairs) {
            float[][] masks = sharedTokenMasks(pair.chosen(), pair.rejected());
            chosenWeights.add(masks[0]);
            rejectedWeights.add(masks[1]);
        }
        List<int[]> prompts = pairs.stream().map(EncodedPair::prompt).toList();
        return new SequenceBatch[] {
            ofResponses(prompts, pairs.stream().map(EncodedPair::chosen).toList(), chosenWeights, padId, multipleOf),
            ofResponses(prompts, pairs.stream().map(EncodedPair::rejected).toList(), rejectedWeights, padId, multipleOf)
        };
    }

    /** Plain language-model rows: every real target is trained on (mask 1), padding is not. */
    public static SequenceBatch ofTexts(List<int[]> sequences, int padId, int multipleOf) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("empty batch");
        }
        int longest = 0;
        for (int i = 0; i < sequences.size(); i++) {
            if (sequences.get(i).length < 2) {
                throw new IllegalArgumentException("row " + i + ": a text row needs at least 2 tokens");
            }
            longest = Math.max(longest, sequences.get(i).length);
        }
        int t = roundUp(longest - 1, multipleOf);
        SequenceBatch out = allocate(sequences.size(), t, padId);
        for (int i = 0; i < sequences.size(); i++) {
            int[] seq = sequences.get(i);
            out.fillRow(i, seq);
            Arrays.fill(out.responseMask, i * t, i * t + seq.length - 1, 1f);
            Arrays.fill(out.preferenceMask, i * t, i * t + seq.length - 1, 1f);
            out.responseTokens[i] = seq.length - 1;
        }
        return out;
    }

    /**
     * Fixed masks for the sparse token-masked loss (DESIGN.md section 1, "Sparse token-masked preference
     * optimization"): 0 on the longest common prefix and the longest common suffix of the two responses
     * (tokens both share, whose gradients are near-identical and feed the entangled component), 1 elsewhere.
     * Prefix and suffix never overlap (suffix length is at most min(|c|,|r|) - prefix). A mask that would be
     * all zero (a response equal to, or a prefix/suffix of, the other) keeps its last token at 1, so every
     * response still contributes to the margin.
     *
     * @return {maskChosen, maskRejected}, of lengths |chosen| and |rejected|
     */
    public static float[][] sharedTokenMasks(int[] chosen, int[] rejected) {
        int shorter = Math.min(chosen.length, rejected.length);
        int prefix = 0;
        while (prefix < shorter && chosen[prefix] == rejected[prefix]) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < shorter - prefix
                && chosen[chosen.length - 1 - suffix] == rejected[rejected.length - 1 - suffix]) {
            suffix++;
        }
        return new float[][] {mask(chosen.length, prefix, suffix), mask(rejected.length, prefix, suffix)};
    }

    private static float[] mask(int length, int prefix, int suffix) {
        float[] mask = new float[length];
        boolean any = false;
        for (int i = prefix; i < length - suffix; i++) {
            mask[i] = 1f;
            any = true;
        }
        if (!any && length > 0) {
            mask[length - 1] = 1f;
        }
        return mask;
    }

    private static SequenceBatch allocate(int rows, int t, int padId) {
        long[] inputIds = new long[rows * t];
        long[] targets = new long[rows * t];
        Arrays.fill(inputIds, padId);
        Arrays.fill(targets, padId);
        return new SequenceBatch(inputIds, targets, new float[rows * t], new float[rows * t], new int[rows], rows, t);
    }

    private void fillRow(int row, int[] seq) {
        for (int j = 0; j < seq.length - 1; j++) {
            inputIds[row * length + j] = seq[j];
            targets[row * length + j] = seq[j + 1];
        }
    }

    private static int roundUp(int value, int multipleOf) {
        if (multipleOf < 1) {
            throw new IllegalArgumentException("multipleOf must be >= 1, got " + multipleOf);
        }
        return (value + multipleOf - 1) / multipleOf * multipleOf;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** (B*T) input ids, row-major. */
    public long[] inputIds() {
        return inputIds;
    }

    /** (B*T) next-token targets, row-major. */
    public long[] targets() {
        return targets;
    }

    /** (B*T) 1 where the target is a response token (or, for text rows, any real token). */
    public float[] responseMask() {
        return responseMask;
    }

    /** (B*T) per-target weights for the token-masked margin; equals responseMask unless built with weights. */
    public float[] preferenceMask() {
        return preferenceMask;
    }

    /** (B) number of response tokens per row, |y|. */
    public int[] responseTokens() {
        return responseTokens;
    }

    public int batch() {
        return batch;
    }

    /** T, the padded row length. */
    public int length() {
        return length;
    }
}
