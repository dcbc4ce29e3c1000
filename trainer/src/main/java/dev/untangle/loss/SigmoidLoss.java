package dev.untangle.loss;

import static dev.untangle.loss.LossMath.Needs.REFERENCE;

import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;

/**
 * DPO, TRL's {@code sigmoid} (with TRL's label smoothing, conservative DPO when eps > 0):
 * u = beta*((lw - lw_ref) - (ll - ll_ref)), m(u) = -(1-eps)*log sigmoid(u) - eps*log sigmoid(-u).
 * lambda_w = lambda_l = beta, k = (1-eps)*sigmoid(-u) - eps*sigmoid(u) (DESIGN.md section 1 table).
 * Golden (beta 0.1, margin 6): loss 0.437488, dL/dmargin = -beta*sigmoid(-0.6) = -0.035434.
 */
public final class SigmoidLoss implements PreferenceLoss {
    private final double beta;
    private final double labelSmoothing;

    public SigmoidLoss(LossConfig config) {
        this.beta = config.beta();
        this.labelSmoothing = config.labelSmoothing();
    }

    @Override
    public String type() {
        return "sigmoid";
    }

    @Override
    public boolean needsReference() {
        return true;
    }

    @Override
    public double beta() {
        return beta;
    }

    @Override
    public LossOutput compute(PairLogProbs batch) {
        return sigmoidOnLogRatios(type(), batch, beta, labelSmoothing);
    }

    /** Shared with {@link SpoLoss}, which is the same loss on masked log-probs. */
    static LossOutput sigmoidOnLogRatios(String type, PairLogProbs batch, double beta, double labelSmoothing) {
        int size = LossMath.checkBatch(type, batch, REFERENCE);
        NDArray chosen = batch.chosen();
        NDArray logRatioChosen = chosen.sub(LossMath.constant(batch.refChosen(), chosen));
        NDArray logRatioRejected = batch.rejected().sub(LossMath.constant(batch.refRejected(), chosen));
        NDArray margin = Scalars.times(logRatioChosen.sub(logRatioRejected), beta);
        NDArray loss = LossMath.sigmoidMargin(margin, labelSmoothing).mean();

        double[] u = LossMath.values(margin);
        double[] slope = new double[size];
        for (int i = 0; i < size; i++) {
            slope[i] = LossMath.sigmoidSlope(u[i], labelSmoothing);
        }
        double[] lambda = LossMath.filled(size, beta);
        return LossMath.marginForm(loss, slope, lambda, lambda.clone(), 0,
                LossMath.scaled(LossMath.values(logRatioChosen), beta),
                LossMath.scaled(LossMath.values(logRatioRejected), beta));
    }
}
