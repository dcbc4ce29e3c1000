package dev.untangle.loss;

import static dev.untangle.loss.LossMath.Needs.REFERENCE;
import static dev.untangle.loss.LossMath.Needs.SCALES;

import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;

/**
 * Normalized preference optimization (pairwise normalized gradient descent). The paper names the mitigation;
 * this formula is the construction that follows from the paper's conditions (DESIGN.md section 1,
 * Mitigations), not a formula quoted from it:
 * u = beta*(lw - lw_ref)/s_w - beta*(ll - ll_ref)/s_l with the sigmoid margin (label smoothing included),
 * where s_w, s_l are the stop-gradient norms of each response's own gradient, supplied by the trainer in
 * {@link PairLogProbs#chosenScale()} / {@link PairLogProbs#rejectedScale()} (per pair for the exact per-pair
 * guarantee, or one batch norm repeated for the batch form; null means 1).
 *
 * <p>lambda_w = beta/s_w, lambda_l = beta/s_l: then delta_w ~ +eta*k*beta*||g_w||*(1 - cos) >= 0 and
 * delta_l ~ -eta*k*beta*||g_l||*(1 - cos) <= 0, both conditions hold unless the gradients are parallel.
 * Rewards are TRL's unscaled beta*(policy - reference).
 */
public final class NpoLoss implements PreferenceLoss {
    private final double beta;
    private final double labelSmoothing;

    public NpoLoss(LossConfig config) {
        this.beta = config.beta();
        this.labelSmoothing = config.labelSmoothing();
    }

    @Override
    public String type() {
        return "npo";
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
    public boolean scalesByGradientNorm() {
        return true;
    }

    @Override
    public LossOutput compute(PairLogProbs batch) {
        int size = LossMath.checkBatch(type(), batch, REFERENCE, SCALES);
        NDArray chosen = batch.chosen();
        NDArray logRatioChosen = chosen.sub(LossMath.constant(batch.refChosen(), chosen));
        NDArray logRatioRejected = batch.rejected().sub(LossMath.constant(batch.refRejected(), chosen));
        NDArray scaledChosen = batch.chosenScale() == null
                ? logRatioChosen : logRatioChosen.div(LossMath.constant(batch.chosenScale(), chosen));
        NDArray scaledRejected = batch.rejectedScale() == null
                ? logRatioRejected : logRatioRejected.div(LossMath.constant(batch.rejectedScale(), chosen));
        NDArray margin = Scalars.times(scaledChosen.sub(scaledRejected), beta);
        NDArray loss = LossMath.sigmoidMargin(margin, labelSmoothing).mean();

        double[] u = LossMath.values(margin);
        double[] scaleChosen = batch.chosenScale() == null
                ? LossMath.filled(size, 1) : LossMath.values(batch.chosenScale());
        double[] scaleRejected = batch.rejectedScale() == null
                ? LossMath.filled(size, 1) : LossMath.values(batch.rejectedScale());
        double[] slope = new double[size];
        double[] lambdaChosen = new double[size];
        double[] lambdaRejected = new double[size];
        for (int i = 0; i < size; i++) {
            slope[i] = LossMath.sigmoidSlope(u[i], labelSmoothing);
            lambdaChosen[i] = beta / scaleChosen[i];
            lambdaRejected[i] = beta / scaleRejected[i];
        }
        return LossMath.marginForm(loss, slope, lambdaChosen, lambdaRejected, 0,
                LossMath.scaled(LossMath.values(logRatioChosen), beta),
                LossMath.scaled(LossMath.values(logRatioRejected), beta));
    }
}
