package dev.untangle.wire;

/**
 * One optimizer step (DESIGN.md section 2). Probe fields are null on steps without a probe; a NaN is
 * a non-finite measurement, a null a missing one. {@code caseLabel} is the wire field {@code case}.
 *
 * <p>Convention: the chosen/rejected gradients are the loss-weighted batch sums G_w and G_l (DESIGN.md
 * section 1, batch form), so lambda_chosen = lambda_rejected = 1 and ratio_chosen = ip/||G_w||^2,
 * ratio_rejected = ip/||G_l||^2.
 *
 * <p>Optional fields added within schema v1 (older producers omit them and consumers read null; unknown
 * fields are ignored by {@link Json}): {@code maskMeanChosen}/{@code maskMeanRejected}, the batch mean of the
 * sparse loss's token masks over chosen/rejected response tokens (spo only: fixed masks are 0/1, learned
 * masks in [0, 1]; null for every other loss).
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
        Double tokensPerSecond,
        Double maskMeanChosen,
        Double maskMeanRejected) {

    public static final String SCHEMA = "untangle.step.v1";

    /** An event without the optional spo mask fields (every loss but spo). */
    public StepEvent(String schema, String runId, long step, String time, String stage, String lossType, Double loss,
                     Double beta, Double lr, Double logpsChosen, Double logpsRejected, Double rewardsChosen,
                     Double rewardsRejected, Double rewardsMargin, Double rewardsAccuracy, Double gradInnerProduct,
                     Double gradNormChosen, Double gradNormRejected, Double gradCosine, Double lambdaChosen,
                     Double lambdaRejected, Double nllAlpha, Double ratioChosen, Double ratioRejected, String caseLabel,
                     Double predictedDeltaChosen, Double predictedDeltaRejected, Double measuredDeltaChosen,
                     Double measuredDeltaRejected, Double meanDeltaChosen, Double meanDeltaRejected,
                     Double headInnerProduct, Double ches, Double responseEntropy, Double stepSeconds,
                     Double probeSeconds, Double tokensPerSecond) {
        this(schema, runId, step, time, stage, lossType, loss, beta, lr, logpsChosen, logpsRejected, rewardsChosen,
                rewardsRejected, rewardsMargin, rewardsAccuracy, gradInnerProduct, gradNormChosen, gradNormRejected,
                gradCosine, lambdaChosen, lambdaRejected, nllAlpha, ratioChosen, ratioRejected, caseLabel,
                predictedDeltaChosen, predictedDeltaRejected, measuredDeltaChosen, measuredDeltaRejected,
                meanDeltaChosen, meanDeltaRejected, headInnerProduct, ches, responseEntropy, stepSeconds,
                probeSeconds, tokensPerSecond, null, null);
    }
}
