package dev.untangle.wire;

/**
 * The paper's eval protocol on a fixed seeded subset (per-pair gradients): means over pairs and the
 * fraction of pairs in each case.
 */
public record EvalEvent(
        String schema,
        String runId,
        long step,
        String time,
        String lossType,
        int pairs,
        Double logpsChosen,
        Double logpsRejected,
        Double meanCosine,
        Double meanInnerProduct,
        Double meanNormChosen,
        Double meanNormRejected,
        Double fractionIdeal,
        Double fractionBothDown,
        Double fractionBothUp,
        Double fractionUndefined) {

    public static final String SCHEMA = "untangle.eval.v1";
}
