package dev.untangle.loss;

import static dev.untangle.loss.LossMath.Needs.REFERENCE;
import static dev.untangle.loss.LossMath.Needs.TOKENS;

import ai.djl.ndarray.NDArray;

/**
 * IPO, TRL's {@code ipo}, per-token averaged as TRL does (so it is length-invariant):
 * u = (lw - lw_ref)/|y_w| - (ll - ll_ref)/|y_l|, m(u) = (u - 1/(2 beta))^2.
 * lambda_w = 1/|y_w|, lambda_l = 1/|y_l|, k = -m'(u) = 2*(1/(2 beta) - u), negative past the target
 * (DESIGN.md section 1 table: the signs flip, the loss then pushes the margin back down).
 * Golden (beta 0.1, |y| = 1, margin 6): loss (6 - 5)^2 = 1, dL/dmargin = +2.
 * Rewards are beta times the per-token log-ratios, as TRL logs them for ipo.
 */
public final class IpoLoss implements PreferenceLoss {
    private final double beta;

    public IpoLoss(LossConfig config) {
        if (!(config.beta() > 0)) {
            // the target 1/(2*beta) needs a positive beta (LossConfig allows 0 for sigmoid-family dead-run checks)
            throw new IllegalArgumentException("LossConfig.beta must be > 0 for ipo, got " + config.beta());
        }
        this.beta = config.beta();
    }

    @Override
    public String type() {
        return "ipo";
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
        NDArray chosenTokens = LossMath.constant(batch.chosenTokens(), chosen);
        NDArray rejectedTokens = LossMath.constant(batch.rejectedTokens(), chosen);
        NDArray perTokenChosen = chosen.sub(LossMath.constant(batch.refChosen(), chosen)).div(chosenTokens);
        NDArray perTokenRejected = batch.rejected().sub(LossMath.constant(batch.refRejected(), chosen))
                .div(rejectedTokens);
        NDArray margin = perTokenChosen.sub(perTokenRejected);
        double target = 1 / (2 * beta);
        NDArray loss = margin.sub(target).square().mean();

        double[] u = LossMath.values(margin);
        double[] countsChosen = LossMath.values(batch.chosenTokens());
        double[] countsRejected = LossMath.values(batch.rejectedTokens());
        double[] slope = new double[size];
        double[] lambdaChosen = new double[size];
        double[] lambdaRejected = new double[size];
        for (int i = 0; i < size; i++) {
            slope[i] = 2 * (target - u[i]);
            lambdaChosen[i] = 1 / countsChosen[i];
            lambdaRejected[i] = 1 / countsRejected[i];
        }
        return LossMath.marginForm(loss, slope, lambdaChosen, lambdaRejected, 0,
                LossMath.scaled(LossMath.values(perTokenChosen), beta),
                LossMath.scaled(LossMath.values(perTokenRejected), beta));
    }
}
