package dev.untangle.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Layouts written out by hand for tiny batches (pad = 99). */
class SequenceBatchTest {
    private static final int PAD = 99;

    @Test
    void responseBatchArraysByHand() {
        // row 0: prompt [1,2], response [3,4]    -> seq 1 2 3 4,   inputs 1 2 3, targets 2 3 4, mask 0 1 1
        // row 1: prompt [5],   response [6,7,8]  -> seq 5 6 7 8,   inputs 5 6 7, targets 6 7 8, mask 1 1 1
        // row 2: prompt [9,10,11], response [12] -> seq 9 10 11 12, inputs 9 10 11, targets 10 11 12, mask 0 0 1
        SequenceBatch b = SequenceBatch.ofResponses(
                List.of(new int[] {1, 2}, new int[] {5}, new int[] {9, 10, 11}),
                List.of(new int[] {3, 4}, new int[] {6, 7, 8}, new int[] {12}), PAD, 1);
        assertEquals(3, b.batch());
        assertEquals(3, b.length());
        assertArrayEquals(new long[] {1, 2, 3, 5, 6, 7, 9, 10, 11}, b.inputIds());
        assertArrayEquals(new long[] {2, 3, 4, 6, 7, 8, 10, 11, 12}, b.targets());
        assertArrayEquals(new float[] {0, 1, 1, 1, 1, 1, 0, 0, 1}, b.responseMask());
        assertArrayEquals(new int[] {2, 3, 1}, b.responseTokens());
        assertArrayEquals(b.responseMask(), b.preferenceMask());
    }

    @Test
    void paddingAndRoundingToAMultiple() {
        // row 0: seq 1 2 3 (T0 = 2); row 1: seq 4 5 6 7 8 (T1 = 4); T = 4 rounded up to 8 -> 4 and 4 pad columns
        SequenceBatch b = SequenceBatch.ofResponses(
                List.of(new int[] {1}, new int[] {4, 5, 6}), List.of(new int[] {2, 3}, new int[] {7, 8}), PAD, 8);
        assertEquals(8, b.length());
        assertArrayEquals(new long[] {1, 2, PAD, PAD, PAD, PAD, PAD, PAD, 4, 5, 6, 7, PAD, PAD, PAD, PAD}, b.inputIds());
        assertArrayEquals(new long[] {2, 3, PAD, PAD, PAD, PAD, PAD, PAD, 5, 6, 7, 8, PAD, PAD, PAD, PAD}, b.targets());
        assertArrayEquals(new float[] {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0}, b.responseMask());
    }

    @Test
    void textBatchMasksEveryRealToken() {
        SequenceBatch b = SequenceBatch.ofTexts(List.of(new int[] {1, 2, 3, 4}, new int[] {5, 6}), PAD, 1);
        assertEquals(3, b.length());
        assertArrayEquals(new long[] {1, 2, 3, 5, PAD, PAD}, b.inputIds());
        assertArrayEquals(new long[] {2, 3, 4, 6, PAD, PAD}, b.targets());
        assertArrayEquals(new float[] {1, 1, 1, 1, 0, 0}, b.responseMask());
        assertArrayEquals(new int[] {3, 1}, b.responseTokens());
    }

    @Test
    void sharedTokenMasksZeroTheCommonPrefixAndSuffix() {
        // chosen   5 6 | 7   | 9 256      prefix [5,6], suffix [9,256]
        // rejected 5 6 | 8 8 | 9 256
        float[][] m = SequenceBatch.sharedTokenMasks(new int[] {5, 6, 7, 9, 256}, new int[] {5, 6, 8, 8, 9, 256});
        assertArrayEquals(new float[] {0, 0, 1, 0, 0}, m[0]);
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, m[1]);
    }

    @Test
    void sharedTokenMasksNeverAllZero() {
        // identical: everything is shared prefix; each keeps its last token
        float[][] same = SequenceBatch.sharedTokenMasks(new int[] {1, 2, 3}, new int[] {1, 2, 3});
        assertArrayEquals(new float[] {0, 0, 1}, same[0]);
        assertArrayEquals(new float[] {0, 0, 1}, same[1]);
        // chosen is a prefix of rejected: prefix 2, suffix limited to min(2,3) - 2 = 0
        float[][] prefix = SequenceBatch.sharedTokenMasks(new int[] {1, 2}, new int[] {1, 2, 3});
        assertArrayEquals(new float[] {0, 1}, prefix[0]);
        assertArrayEquals(new float[] {0, 0, 1}, prefix[1]);
        // nothing shared: all ones
        float[][] none = SequenceBatch.sharedTokenMasks(new int[] {1, 2}, new int[] {3, 4, 5});
        assertArrayEquals(new float[] {1, 1}, none[0]);
        assertArrayEquals(new float[] {1, 1, 1}, none[1]);
    }

    @Test
    void pairBatchesWithSharedTokenMasksPlaceWeightsAtResponseTargets() {
        // prompt [1]; chosen [2,3,256], rejected [2,4,256]: masks chosen 0 1 0, rejected 0 1 0
        EncodedPair pair = new EncodedPair(new int[] {1}, new int[] {2, 3, 256}, new int[] {2, 4, 256}, "f", 1);
        SequenceBatch[] sides = SequenceBatch.withSharedTokenMasks(List.of(pair), PAD, 1);
        assertArrayEquals(new long[] {2, 3, 256}, sides[0].targets());
        assertArrayEquals(new float[] {1, 1, 1}, sides[0].responseMask());
        assertArrayEquals(new float[] {0, 1, 0}, sides[0].preferenceMask());
        assertArrayEquals(new long[] {2, 4, 256}, sides[1].targets());
        assertArrayEquals(new float[] {0, 1, 0}, sides[1].preferenceMask());
        SequenceBatch chosen = SequenceBatch.chosen(List.of(pair), PAD, 1);
        assertArrayEquals(sides[0].inputIds(), chosen.inputIds());
    }
}
