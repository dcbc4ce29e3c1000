package dev.untangle.wire;

/**
 * One optimizer step (DESIGN.md section 2). Probe fields are null on steps without a probe; a NaN is
 * a non-finite measurement, a null a missing one. {@code caseLabel} is the wire field {@code case}.
 *
 * <p>Convention: the chosen/rejected gradients are the loss-weighted batch sums G_w and G_l (DESIGN.md
 * section 1, batch form), so lambda_chosen = lambda_rejected = 1 and ratio_chosen = ip/||G_w||^2,
 * ratio_rejected = ip/||G_l||^2.
 */
public record StepEvent(
        String schema,
        String runId,
        long step,
        String time,
        String stage,
        String lossType,
        Double loss,
        Double beta,
        Double lr,
        Double logpsChosen,
        Double logpsRejected,
        Double rewardsChosen,
        Double rewardsRejected,
        Double rewardsMargin,
        Double rewardsAccuracy,
        Double gradInnerProduct,
        Double gradNormChosen,
        Double gradNormRejected,
        Double gradCosine,
        Double lambdaChosen,
        Double lambdaRejected,
        Double nllAlpha,
        Double ratioChosen,
        Double ratioRejected,
        @com.fasterxml.jackson.annotation.JsonProperty("case") String caseLabel,
        Double predictedDeltaChosen,
        Double predictedDeltaRejected,
        Double measuredDeltaChosen,
        Double measuredDeltaRejected,
        Double meanDeltaChosen,
        Double meanDeltaRejected,
        Double headInnerProduct,
        Double ches,
        Double responseEntropy,
        Double stepSeconds,
        Double probeSeconds,
        Double tokensPerSecond) {

    public static final String SCHEMA = "untangle.step.v1";
}
