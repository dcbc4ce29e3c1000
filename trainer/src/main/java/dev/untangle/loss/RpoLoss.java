package dev.untangle.loss;

import static dev.untangle.loss.LossMath.Needs.REFERENCE;
import static dev.untangle.loss.LossMath.Needs.TOKENS;

import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;

/**
 * RPO (TRL's rpo_alpha): the sigmoid DPO loss plus an NLL on the chosen response that TRL normalizes per token
 * (cross-entropy averaged over the batch's chosen tokens), weighted by nllAlpha. lambda_w = lambda_l = beta;
 * the stated alpha is per summed log-prob, alpha_eff = nllAlpha*B/sum_j |y_w,j| ({@link LossMath#tokenMeanNllWeight}).
 */
public final class RpoLoss implements PreferenceLoss {
    private final double beta;
    private final double labelSmoothing;
    private final double nllAlpha;

    public RpoLoss(LossConfig config) {
        this.beta = config.beta();
        this.labelSmoothing = config.labelSmoothing();
        this.nllAlpha = config.nllAlpha();
    }

    @Override
    public String type() {
        return "rpo";
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
        NDArray margin = Scalars.times(logRatioChosen.sub(logRatioRejected), beta);
        double alphaEff = LossMath.tokenMeanNllWeight(nllAlpha, LossMath.values(batch.chosenTokens()));
        NDArray loss = LossMath.sigmoidMargin(margin, labelSmoothing).mean().add(LossMath.nllTerm(chosen, alphaEff));

        double[] u = LossMath.values(margin);
        double[] slope = new double[size];
        for (int i = 0; i < size; i++) {
            slope[i] = LossMath.sigmoidSlope(u[i], labelSmoothing);
        }
        double[] lambda = LossMath.filled(size, beta);
        return LossMath.marginForm(loss, slope, lambda, lambda.clone(), alphaEff,
                LossMath.scaled(LossMath.values(logRatioChosen), beta),
                LossMath.scaled(LossMath.values(logRatioRejected), beta));
    }
}
