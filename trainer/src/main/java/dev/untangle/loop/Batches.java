package dev.untangle.loop;

import ai.djl.ndarray.NDManager;
import dev.untangle.data.SequenceBatch;

import java.util.ArrayList;
import java.util.List;

/** Turns token examples into a {@link TokenBatch} in a step's manager (padding rules: SequenceBatch). */
public final class Batches {
    private Batches() {
    }

    public static TokenBatch of(List<Example> examples, int padId, NDManager manager) {
        return of(examples, null, padId, manager);
    }

    /**
     * Like {@link #of(List, int, NDManager)}, with a weight in [0, 1] per response token multiplied into
     * the mask ({@code responseWeights.get(i)[j]} for response token j of example i), as the sparse
     * token-masked loss needs. Response token j of a sequence prompt ++ response is the target at
     * position prompt.length + j - 1.
     */
    public static TokenBatch of(List<Example> examples, List<float[]> responseWeights, int padId, NDManager manager) {
        List<int[]> prompts = new ArrayList<>(examples.size());
        List<int[]> responses = new ArrayList<>(examples.size());
        for (Example e : examples) {
            prompts.add(e.prompt());
            responses.add(e.response());
        }
        SequenceBatch b = SequenceBatch.of(prompts, responses, padId);
        float[] mask = b.responseMask();
        if (responseWeights != null) {
            mask = mask.clone();
            for (int i = 0; i < examples.size(); i++) {
                float[] w = responseWeights.get(i);
                int promptLength = examples.get(i).prompt().length;
                for (int j = 0; j < w.length; j++) {
                    int t = promptLength + j - 1;
                    if (t >= 0 && t < b.length()) {
                        mask[i * b.length() + t] *= w[j];
                    }
                }
            }
        }
        return TokenBatch.of(manager, b.inputIds(), b.targets(), mask, b.batch(), b.length());
    }
}
