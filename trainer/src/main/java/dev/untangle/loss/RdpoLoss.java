package dev.untangle.loss;

import static dev.untangle.loss.LossMath.Needs.REFERENCE;
import static dev.untangle.loss.LossMath.Needs.TOKENS;

import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;

/**
 * R-DPO (length-regularized DPO): the sigmoid loss with a length term in c (DESIGN.md section 1 table),
 * u = beta*((lw - lw_ref) - (ll - ll_ref)) - alpha*(|y_w| - |y_l|), so a longer chosen response needs a larger
 * log-ratio margin. lambda_w = lambda_l = beta; k as for {@link SigmoidLoss} (label smoothing included).
 */
public final class RdpoLoss implements PreferenceLoss {
    private final double beta;
    private final double labelSmoothing;
    private final double lengthAlpha;

    public RdpoLoss(LossConfig config) {
        this.beta = config.beta();
        this.labelSmoothing = config.labelSmoothing();
        this.lengthAlpha = config.rdpoAlpha();
    }

    @Override
    public String type() {
        return "rdpo";
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
        int size = LossMath.checkBatch(type(), batch, REFERENCE, TOKENS);
        NDArray chosen = batch.chosen();
        NDArray logRatioChosen = chosen.sub(LossMath.constant(batch.refChosen(), chosen));
        NDArray logRatioRejected = batch.rejected().sub(LossMath.constant(batch.refRejected(), chosen));
        NDArray lengthGap = LossMath.constant(batch.chosenTokens(), chosen)
                .sub(LossMath.constant(batch.rejectedTokens(), chosen));
        NDArray margin = Scalars.times(logRatioChosen.sub(logRatioRejected), beta).sub(Scalars.times(lengthGap, lengthAlpha));
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
