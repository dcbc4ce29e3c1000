package dev.untangle.loop;

import ai.djl.ndarray.NDManager;
import dev.untangle.data.EncodedPair;
import dev.untangle.data.SequenceBatch;

import java.util.List;

/** Turns token sequences into {@link TokenBatch}es in a step's manager (layout rules: SequenceBatch). */
public final class Batches {
    /** Sequence lengths are rounded up to a multiple of this, so fewer distinct shapes reach the engine. */
    public static final int LENGTH_MULTIPLE = 8;

    private Batches() {
    }

    /** Rows prompt ++ response, scored on the response (SFT on pairs). */
    public static TokenBatch of(List<Example> examples, int padId, NDManager manager) {
        return of(SequenceBatch.ofResponses(examples.stream().map(Example::prompt).toList(),
                examples.stream().map(Example::response).toList(), padId, LENGTH_MULTIPLE), manager);
    }

    /** Plain language-model rows (every real token scored). */
    public static TokenBatch texts(List<int[]> sequences, int padId, NDManager manager) {
        return of(SequenceBatch.ofTexts(sequences, padId, LENGTH_MULTIPLE), manager);
    }

    public static TokenBatch chosen(List<EncodedPair> pairs, int padId, NDManager manager) {
        return of(SequenceBatch.chosen(pairs, padId, LENGTH_MULTIPLE), manager);
    }

    public static TokenBatch rejected(List<EncodedPair> pairs, int padId, NDManager manager) {
        return of(SequenceBatch.rejected(pairs, padId, LENGTH_MULTIPLE), manager);
    }

    /**
     * Both sides with the sparse loss's fixed token masks (shared prefix and suffix of the two responses
     * masked out; SequenceBatch.sharedTokenMasks): {chosen, rejected}.
     */
    public static TokenBatch[] sparse(List<EncodedPair> pairs, int padId, NDManager manager) {
        SequenceBatch[] both = SequenceBatch.withSharedTokenMasks(pairs, padId, LENGTH_MULTIPLE);
        return new TokenBatch[] {of(both[0], manager), of(both[1], manager)};
    }

    /** The preference mask is the response mask unless per-token weights were given. */
    static TokenBatch of(SequenceBatch b, NDManager manager) {
        return TokenBatch.of(manager, b.inputIds(), b.targets(), b.preferenceMask(), b.responseTokens(), b.batch(),
                b.length());
    }
}
