package dev.untangle.preference;

import dev.untangle.loss.EntanglementConditions;
import dev.untangle.loss.PreferenceLoss;
import dev.untangle.probe.StepOutcome;
import dev.untangle.wire.StepEvent;

import java.time.Instant;

/**
 * Builds the wire event of one step (DESIGN.md section 2). Probe fields are null on steps without a
 * probe; measured fields null when the batch was not re-scored; non-finite values stay NaN (written as
 * "NaN") so the monitor can see them; zero norms give case undefined with null ratios, never NaN.
 */
final class StepEvents {
    private StepEvents() {
    }

    /** {@code maskMeanChosen}/{@code maskMeanRejected}: spo's batch mean token masks, null for other losses. */
    static StepEvent of(String runId, long step, PreferenceLoss loss, double lr, StepOutcome o, Double maskMeanChosen,
                        Double maskMeanRejected) {
        double[] lw = o.chosenLogProbs();
        double[] ll = o.rejectedLogProbs();
        double[] rc = o.rewardsChosen();
        double[] rr = o.rewardsRejected();
        int b = lw.length;
        double accuracy = 0;
        double margin = 0;
        for (int i = 0; i < b; i++) {
            margin += rc[i] - rr[i];
            accuracy += rc[i] > rr[i] ? 1 : 0;
        }
        Double ip = null;
        Double normChosen = null;
        Double normRejected = null;
        Double cosine = null;
        Double ratioChosen = null;
        Double ratioRejected = null;
        String caseLabel = null;
        Double lambda = null;
        Double predictedChosen = null;
        Double predictedRejected = null;
        if (o.probed()) {
            EntanglementConditions c = EntanglementConditions.ofBatch(o.innerProduct(), o.normChosen(), o.normRejected());
            ip = o.innerProduct();
            normChosen = o.normChosen();
            normRejected = o.normRejected();
            cosine = c.cosine();
            ratioChosen = c.ratioChosen();
            ratioRejected = c.ratioRejected();
            caseLabel = c.caseLabel();
            lambda = 1.0;
            if (!Double.isFinite(ip) || !Double.isFinite(normChosen) || !Double.isFinite(normRejected)) {
                // Keep the non-finite measurement visible rather than hiding it behind nulls.
                cosine = Double.NaN;
                ratioChosen = Double.NaN;
                ratioRejected = Double.NaN;
            }
            predictedChosen = o.applied() ? o.predictedDeltaChosen() : null;
            predictedRejected = o.applied() ? o.predictedDeltaRejected() : null;
        } else if (!o.applied()) {
            // A skipped step without a probe: say that its gradient was not finite, in the gradient fields.
            ip = Double.NaN;
            normChosen = Double.NaN;
            normRejected = Double.NaN;
            caseLabel = EntanglementConditions.UNDEFINED;
        }
        return new StepEvent(StepEvent.SCHEMA, runId, step, Instant.now().toString(), "preference", loss.type(),
                o.loss(), loss.beta(), lr, mean(lw), mean(ll), mean(rc), mean(rr), margin / b, accuracy / b,
                ip, normChosen, normRejected, cosine, lambda, lambda, o.nllAlpha(), ratioChosen, ratioRejected,
                caseLabel, predictedChosen, predictedRejected, orNull(o.measuredDeltaChosen()),
                orNull(o.measuredDeltaRejected()), orNull(o.meanDeltaChosen()), orNull(o.meanDeltaRejected()),
                o.probed() ? finiteOrNull(o.headInnerProduct()) : null, o.probed() ? orNull(o.ches()) : null,
                o.probed() ? orNull(o.responseEntropy()) : null, o.stepSeconds(),
                o.probed() ? o.probeSeconds() : null, o.tokens() / Math.max(o.stepSeconds(), 1e-9),
                finiteOrNull(maskMeanChosen),
                finiteOrNull(maskMeanRejected));
    }

    private static double mean(double[] values) {
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s / values.length;
    }

    /**
     * The head-only inner product is a diagnostic beside grad_inner_product, not a measurement the monitor
     * acts on: NaN (not computed: no probe, --no-extras, no hidden states) and non-finite logits both give null.
     */
    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** A batch without response tokens has no mean mask: null in the event, never NaN. */
    private static Double finiteOrNull(Double v) {
        return v == null ? null : finiteOrNull(v.doubleValue());
    }

    /** NaN here means "not measured on this step". */
    private static Double orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
