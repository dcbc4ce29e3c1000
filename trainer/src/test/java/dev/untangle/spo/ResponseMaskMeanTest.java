package dev.untangle.spo;

import ai.djl.ndarray.NDManager;
import dev.untangle.data.EncodedPair;
import dev.untangle.loop.Batches;
import dev.untangle.loop.TokenBatch;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The batch mean mask over response tokens that step events carry, on fixed masks counted by hand. */
class ResponseMaskMeanTest {
    @Test
    void fixedMasksMeanIsTheKeptShareOfResponseTokens() {
        // Pair 1: responses 5 6 7 8 / 5 9 7 8 share a 1-token prefix and a 2-token suffix: 1 of 4 tokens kept each.
        // Pair 2: 1 2 3 / 4 5 6 7 8 share nothing: all kept. Chosen (1+3)/(4+3) = 4/7, rejected (1+5)/(4+5) = 2/3.
        List<EncodedPair> pairs = List.of(
                new EncodedPair(new int[] {11, 12}, new int[] {5, 6, 7, 8}, new int[] {5, 9, 7, 8}, "hand", 1),
                new EncodedPair(new int[] {13}, new int[] {1, 2, 3}, new int[] {4, 5, 6, 7, 8}, "hand", 2));
        try (NDManager m = NDManager.newBaseManager()) {
            TokenBatch[] sparse = Batches.sparse(pairs, 0, m);
            assertEquals(4.0 / 7, LearnedMasks.meanResponseMask(sparse[0]), 1e-12);
            assertEquals(2.0 / 3, LearnedMasks.meanResponseMask(sparse[1]), 1e-12);
            assertEquals(1.0, LearnedMasks.meanResponseMask(Batches.chosen(pairs, 0, m)), 1e-12);
        }
    }
}
