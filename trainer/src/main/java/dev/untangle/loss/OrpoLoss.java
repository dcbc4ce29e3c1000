package dev.untangle.loss;

import static dev.untangle.loss.LossMath.Needs.TOKENS;

import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;

/**
 * ORPO (TRL's ORPOTrainer): reference-free odds ratio on per-token log-probs a = lw/|y_w|, P = exp(a),
 * u = log(P_w/(1-P_w)) - log(P_l/(1-P_l)), m(u) = -beta*log sigmoid(u), plus TRL's NLL on the chosen response
 * averaged over the batch's chosen tokens with weight nllAlpha (TRL: 1). beta is TRL's odds-ratio weight.
 *
 * <p>u is not linear in lw, so lambda is the local derivative du/dlw = 1/(|y_w|(1-P_w)) (DESIGN.md section 1
 * table), likewise lambda_l; k = beta*sigmoid(-u); alpha_eff = nllAlpha*B/sum_j |y_w,j|. Rewards: beta*a (TRL).
 * Needs P < 1, i.e. a mean token log-prob below 0, on both responses.
 */
public final class OrpoLoss implements PreferenceLoss {
    private final double beta;
    private final double nllAlpha;

    public OrpoLoss(LossConfig config) {
        this.beta = config.beta();
        this.nllAlpha = config.nllAlpha();
    }

    @Override
    public String type() {
        return "orpo";
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
        NDArray perTokenChosen = chosen.div(LossMath.constant(batch.chosenTokens(), chosen));
        NDArray perTokenRejected = batch.rejected().div(LossMath.constant(batch.rejectedTokens(), chosen));
        double[] meanChosen = LossMath.values(perTokenChosen);
        double[] meanRejected = LossMath.values(perTokenRejected);
        requireBelowZero("chosen", meanChosen);
        requireBelowZero("rejected", meanRejected);

        NDArray margin = logOdds(perTokenChosen).sub(logOdds(perTokenRejected));
        double alphaEff = LossMath.tokenMeanNllWeight(nllAlpha, LossMath.values(batch.chosenTokens()));
        NDArray loss = Scalars.times(LossMath.logSigmoid(margin).mean(), -beta).add(LossMath.nllTerm(chosen, alphaEff));

        double[] u = LossMath.values(margin);
        double[] countsChosen = LossMath.values(batch.chosenTokens());
        double[] countsRejected = LossMath.values(batch.rejectedTokens());
        double[] slope = new double[size];
        double[] lambdaChosen = new double[size];
        double[] lambdaRejected = new double[size];
        for (int i = 0; i < size; i++) {
            slope[i] = beta * LossMath.sigmoid(-u[i]);
            // 1 - P = -expm1(a): exact for a near 0 where 1 - exp(a) cancels
            lambdaChosen[i] = 1 / (countsChosen[i] * -Math.expm1(meanChosen[i]));
            lambdaRejected[i] = 1 / (countsRejected[i] * -Math.expm1(meanRejected[i]));
        }
        return LossMath.marginForm(loss, slope, lambdaChosen, lambdaRejected, alphaEff,
                LossMath.scaled(meanChosen, beta), LossMath.scaled(meanRejected, beta));
    }

    /** log(P/(1-P)) = a - log(1 - exp(a)) for a = log P < 0. */
    private static NDArray logOdds(NDArray meanLogProb) {
        return meanLogProb.sub(meanLogProb.exp().neg().add(1).log());
    }

    private void requireBelowZero(String field, double[] meanLogProbs) {
        for (int i = 0; i < meanLogProbs.length; i++) {
            if (!(meanLogProbs[i] < 0)) {
                throw new IllegalArgumentException("loss orpo: PairLogProbs." + field + "[" + i + "] per token is "
                        + meanLogProbs[i] + "; the odds ratio needs a mean token log-prob < 0 (P < 1)");
            }
        }
    }
}
