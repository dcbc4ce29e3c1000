package dev.untangle.checkpoint;

import java.util.List;
import java.util.Map;

/**
 * The non-tensor part of a checkpoint (state.json): where training stands and what it must remember to
 * continue bit-exactly and to obey control commands at most once.
 *
 * @param stage              "sft" or "preference"
 * @param step               number of optimizer steps done (the next step's index)
 * @param epoch              data epoch of the cursor
 * @param position           index within the epoch's seeded permutation
 * @param seed               data and init seed
 * @param lossType           current preference loss (after any switch); null for sft
 * @param reference          folder of the frozen reference model (the init checkpoint); null if none
 * @param appliedCommandIds  control command ids already applied or rejected (at-most-once)
 * @param consecutiveBadSteps non-finite steps in a row at the time of saving
 * @param extra              small named values (e.g. npo's stop-gradient scales)
 */
public record TrainingState(
        String runId,
        String stage,
        long step,
        long epoch,
        long position,
        long seed,
        String lossType,
        String reference,
        List<String> appliedCommandIds,
        int consecutiveBadSteps,
        Map<String, Double> extra) {
}
