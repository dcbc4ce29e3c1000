package dev.untangle.loss;

/**
 * Hyper-parameters of every loss in {@link Losses}, one record so a run's configuration and a control
 * command's switch target share one shape. Each loss reads only the fields it documents.
 *
 * <p>Defaults ({@link #defaults()}) follow TRL where TRL has the loss, otherwise the paper:
 *
 * @param beta           0.1: DPO's beta; for orpo TRL's weight of the odds-ratio term. 0 is allowed on
 *                       purpose: with the policy equal to the reference it is the dead-run case of
 *                       DESIGN.md section 1 (the margin term carries no gradient, norms are exactly 0,
 *                       case undefined), which the monitor must report; ipo and caldpo, whose target is
 *                       1/(2*beta), still require beta &gt; 0. Negative values are rejected.
 * @param labelSmoothing 0.0: TRL's label smoothing eps of the sigmoid family (sigmoid, rdpo, simpo, dpop, cpo, rpo,
 *                       npo, spo) and robust's noise rate; must be in [0, 0.5)
 * @param simpoGamma     0.5: TRL's simpo_gamma, the target reward margin (u is shifted by -gamma)
 * @param dpopLambda     50.0: DPO-positive's penalty weight (the Smaug paper's setting)
 * @param nllAlpha       1.0: weight of the chosen NLL term in cpo, rpo, slic, orpo
 * @param rdpoAlpha      0.01: R-DPO's length coefficient alpha (a small value; the paper sweeps it)
 * @param hingeMargin    1.0: margin delta of hinge and slic, relu(delta - u); TRL's hinge uses 1
 */
public record LossConfig(
        double beta,
        double labelSmoothing,
        double simpoGamma,
        double dpopLambda,
        double nllAlpha,
        double rdpoAlpha,
        double hingeMargin) {

    public LossConfig {
        requireFinite("beta", beta);
        if (beta < 0) {
            throw new IllegalArgumentException("LossConfig.beta must be >= 0, got " + beta);
        }
        requireFinite("labelSmoothing", labelSmoothing);
        if (labelSmoothing < 0 || labelSmoothing >= 0.5) {
            throw new IllegalArgumentException("LossConfig.labelSmoothing must be in [0, 0.5), got " + labelSmoothing);
        }
        requireFinite("simpoGamma", simpoGamma);
        requireFinite("dpopLambda", dpopLambda);
        if (dpopLambda < 0) {
            throw new IllegalArgumentException("LossConfig.dpopLambda must be >= 0, got " + dpopLambda);
        }
        requireFinite("nllAlpha", nllAlpha);
        if (nllAlpha < 0) {
            throw new IllegalArgumentException("LossConfig.nllAlpha must be >= 0, got " + nllAlpha);
        }
        requireFinite("rdpoAlpha", rdpoAlpha);
        requireFinite("hingeMargin", hingeMargin);
    }

    public static LossConfig defaults() {
        return new LossConfig(0.1, 0.0, 0.5, 50.0, 1.0, 0.01, 1.0);
    }

    public LossConfig withBeta(double value) {
        return new LossConfig(value, labelSmoothing, simpoGamma, dpopLambda, nllAlpha, rdpoAlpha, hingeMargin);
    }

    public LossConfig withLabelSmoothing(double value) {
        return new LossConfig(beta, value, simpoGamma, dpopLambda, nllAlpha, rdpoAlpha, hingeMargin);
    }

    public LossConfig withSimpoGamma(double value) {
        return new LossConfig(beta, labelSmoothing, value, dpopLambda, nllAlpha, rdpoAlpha, hingeMargin);
    }

    public LossConfig withDpopLambda(double value) {
        return new LossConfig(beta, labelSmoothing, simpoGamma, value, nllAlpha, rdpoAlpha, hingeMargin);
    }

    public LossConfig withNllAlpha(double value) {
        return new LossConfig(beta, labelSmoothing, simpoGamma, dpopLambda, value, rdpoAlpha, hingeMargin);
    }

    public LossConfig withRdpoAlpha(double value) {
        return new LossConfig(beta, labelSmoothing, simpoGamma, dpopLambda, nllAlpha, value, hingeMargin);
    }

    public LossConfig withHingeMargin(double value) {
        return new LossConfig(beta, labelSmoothing, simpoGamma, dpopLambda, nllAlpha, rdpoAlpha, value);
    }

    private static void requireFinite(String field, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("LossConfig." + field + " must be finite, got " + value);
        }
    }
}
