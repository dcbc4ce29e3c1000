package dev.untangle.probe;

import ai.djl.ndarray.NDManager;
import dev.untangle.loop.TokenBatch;

import java.util.Random;

/** Hand-built right-padded batches for probe tests: prompt ++ response, mask on response targets. */
final class TinyBatches {
    private TinyBatches() {
    }

    /** Random prompts and responses; when {@code sharedSuffix} > 0 every response ends in the same tokens. */
    static TokenBatch[] pairs(NDManager m, int batch, int vocab, long seed, int sharedSuffix) {
        Random random = new Random(seed);
        int[][] prompts = new int[batch][];
        int[][] chosen = new int[batch][];
        int[][] rejected = new int[batch][];
        int[] suffix = new int[sharedSuffix];
        for (int j = 0; j < sharedSuffix; j++) {
            suffix[j] = 1 + random.nextInt(vocab - 1);
        }
        for (int i = 0; i < batch; i++) {
            prompts[i] = tokens(random, 3 + random.nextInt(4), vocab);
            chosen[i] = concat(tokens(random, 2 + random.nextInt(5), vocab), suffix);
            rejected[i] = concat(tokens(random, 2 + random.nextInt(5), vocab), suffix);
        }
        return new TokenBatch[] {batch(m, prompts, chosen), batch(m, prompts, rejected)};
    }

    static TokenBatch batch(NDManager m, int[][] prompts, int[][] responses) {
        int b = prompts.length;
        int length = 0;
        for (int i = 0; i < b; i++) {
            length = Math.max(length, prompts[i].length + responses[i].length - 1);
        }
        long[] ids = new long[b * length];
        long[] targets = new long[b * length];
        float[] mask = new float[b * length];
        for (int i = 0; i < b; i++) {
            int[] seq = concat(prompts[i], responses[i]);
            for (int t = 0; t < seq.length - 1; t++) {
                ids[i * length + t] = seq[t];
                targets[i * length + t] = seq[t + 1];
                mask[i * length + t] = t + 1 >= prompts[i].length ? 1 : 0;
            }
        }
        int[] counts = new int[b];
        for (int i = 0; i < b; i++) {
            counts[i] = responses[i].length;
        }
        return TokenBatch.of(m, ids, targets, mask, counts, b, length);
    }

    private static int[] tokens(Random random, int n, int vocab) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = 1 + random.nextInt(vocab - 1);
        }
        return out;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
