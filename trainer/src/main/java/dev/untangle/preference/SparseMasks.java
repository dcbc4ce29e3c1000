package dev.untangle.preference;

import ai.djl.ndarray.NDManager;
import dev.untangle.data.SequenceBatch;
import dev.untangle.loop.Batches;
import dev.untangle.loop.Example;
import dev.untangle.loop.TokenBatch;

import java.util.ArrayList;
import java.util.List;

/**
 * Fixed token masks of the sparse token-masked loss (spo; DESIGN.md section 1 Mitigations, the
 * construction that follows from the paper's conditions): the margin uses only the tokens that differ,
 * masking the longest shared prefix and suffix of the two responses, whose token gradients are nearly
 * identical in both and feed the entangled component.
 */
final class SparseMasks {
    private SparseMasks() {
    }

    static TokenBatch chosen(List<Example> chosen, List<Example> rejected, int padId, NDManager manager) {
        return Batches.of(chosen, masks(chosen, rejected, 0), padId, manager);
    }

    static TokenBatch rejected(List<Example> chosen, List<Example> rejected, int padId, NDManager manager) {
        return Batches.of(rejected, masks(chosen, rejected, 1), padId, manager);
    }

    private static List<float[]> masks(List<Example> chosen, List<Example> rejected, int side) {
        List<float[]> out = new ArrayList<>(chosen.size());
        for (int i = 0; i < chosen.size(); i++) {
            out.add(SequenceBatch.sharedTokenMasks(chosen.get(i).response(), rejected.get(i).response())[side]);
        }
        return out;
    }
}
