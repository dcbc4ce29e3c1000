package dev.untangle.loss;

import static dev.untangle.loss.LossMath.Needs.TOKENS;

import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;

/**
 * CPO, TRL's CPOTrainer with loss_type sigmoid: reference-free u = beta*(lw - ll) on summed log-probs, the
 * sigmoid margin with label smoothing, plus TRL's NLL on the chosen response averaged over the batch's chosen
 * tokens, weighted by nllAlpha (TRL's cpo_alpha). lambda_w = lambda_l = beta; the NLL enters as
 * alpha_eff = nllAlpha*B/sum_j |y_w,j| (see {@link LossMath#tokenMeanNllWeight}). Rewards: beta*lw (TRL).
 */
public final class CpoLoss implements PreferenceLoss {
    private final double beta;
    private final double labelSmoothing;
    private final double nllAlpha;

    public CpoLoss(LossConfig config) {
        this.beta = config.beta();
        this.labelSmoothing = config.labelSmoothing();
        this.nllAlpha = config.nllAlpha();
    }

    @Override
    public String type() {
        return "cpo";
    }

    @Override
    public boolean needsReference() {
        return false;
    }

    @Override
    public double beta() {
        return beta;
    }

    @Override
    public LossOutput compute(PairLogProbs batch) {
        int size = LossMath.checkBatch(type(), batch, TOKENS);
        NDArray chosen = batch.chosen();
        NDArray margin = Scalars.times(chosen.sub(batch.rejected()), beta);
        double alphaEff = LossMath.tokenMeanNllWeight(nllAlpha, LossMath.values(batch.chosenTokens()));
        NDArray loss = LossMath.sigmoidMargin(margin, labelSmoothing).mean().add(LossMath.nllTerm(chosen, alphaEff));

        double[] u = LossMath.values(margin);
        double[] slope = new double[size];
        for (int i = 0; i < size; i++) {
            slope[i] = LossMath.sigmoidSlope(u[i], labelSmoothing);
        }
        double[] lambda = LossMath.filled(size, beta);
        return LossMath.marginForm(loss, slope, lambda, lambda.clone(), alphaEff,
                LossMath.scaled(LossMath.values(chosen), beta),
                LossMath.scaled(LossMath.values(batch.rejected()), beta));
    }
}
