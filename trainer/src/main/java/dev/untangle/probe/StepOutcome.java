package dev.untangle.probe;

/**
 * Everything one preference step measured. Probe fields are NaN when the step had no probe; a step
 * whose loss or gradients were non-finite was not applied ({@code applied} false) and says why.
 *
 * <p>Gradient convention (DESIGN.md section 1, batch form): {@code gradNormChosen} = ||G_w|| with
 * G_w = sum_i a_i*g_w^i, a_i = -dL/dlw_i; likewise G_l with b_i = dL/dll_i; ip = &lt;G_w, G_l&gt;. The
 * predicted and measured deltas are of the weighted sums S_w = sum_i a_i*lw_i and S_l = sum_i b_i*ll_i;
 * the mean deltas are the plain batch-mean changes of lw and ll, for people. {@code slopeSum} is
 * sum_i k_i of the loss (npo uses it to turn ||G_w|| into its next stop-gradient scale).
 * {@code rawNormChosen}/{@code rawNormRejected} are ||G_w||, ||G_l|| before npo's in-step normalization
 * (PreferenceStep.Scales#BATCH); equal to the norms above otherwise; NaN without a probe.
 *
 * <p>Times: {@code stepSeconds} is the whole step (forward, backward, probe, optimizer, extras, re-scoring);
 * {@code probeSeconds} the part of it that a plain step does not do at all (the float64 Gram and
 * predictions, the extras, the re-scoring); {@code diagnosticSeconds} the extras and re-scoring alone (optional
 * work a probe step can skip with --no-extras and --measure-every 0). The probe's single grouped forward and backward replace the
 * plain ones and are not separable; their cost shows as probe-step time over plain-step time (bench probe,
 * or a run with --probe-every 2).
 * {@code headInnerProduct} is the output layer's part of {@code innerProduct} in closed form from forward
 * values (Extras#headInnerProduct); NaN unless the step had a probe and extras.
 */
public record StepOutcome(
        double loss,
        double[] chosenLogProbs,
        double[] rejectedLogProbs,
        double[] rewardsChosen,
        double[] rewardsRejected,
        double nllAlpha,
        double slopeSum,
        boolean probed,
        double innerProduct,
        double normChosen,
        double normRejected,
        double predictedDeltaChosen,
        double predictedDeltaRejected,
        double measuredDeltaChosen,
        double measuredDeltaRejected,
        double meanDeltaChosen,
        double meanDeltaRejected,
        double ches,
        double responseEntropy,
        double gradNorm,
        boolean applied,
        String skipReason,
        double probeSeconds,
        double stepSeconds,
        long tokens,
        double rawNormChosen,
        double rawNormRejected,
        double headInnerProduct,
        double diagnosticSeconds) {
}
