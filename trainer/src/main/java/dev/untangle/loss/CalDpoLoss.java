package dev.untangle.loss;

import static dev.untangle.loss.LossMath.Needs.REFERENCE;

import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;

/**
 * Cal-DPO: the DPO sigmoid loss plus squared calibration terms that pull the log-ratios to +-1/(2 beta),
 * per pair -log sigmoid(beta*(r_w - r_l)) + (r_w - 1/(2 beta))^2 + (r_l + 1/(2 beta))^2 with
 * r = log pi - log pi_ref (DESIGN.md section 1 table: lambda_w = lambda_l = beta for the margin part).
 *
 * <p>The calibration terms act on each response alone, so the gradient is not of the pure margin form:
 * slope and lambda state the margin part only (k = sigmoid(-u)), while chosenWeight and rejectedWeight are the
 * true derivatives, -dL/dlw_i = (k*beta - 2*(r_w - 1/(2 beta)))/B and dL/dll_i = (k*beta + 2*(r_l + 1/(2 beta)))/B,
 * which is what the probe needs to form G_w and G_l. nllAlpha is 0.
 */
public final class CalDpoLoss implements PreferenceLoss {
    private final double beta;

    public CalDpoLoss(LossConfig config) {
        if (!(config.beta() > 0)) {
            // the target 1/(2*beta) needs a positive beta (LossConfig allows 0 for sigmoid-family dead-run checks)
            throw new IllegalArgumentException("LossConfig.beta must be > 0 for caldpo, got " + config.beta());
        }
        this.beta = config.beta();
    }

    @Override
    public String type() {
        return "caldpo";
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
        int size = LossMath.checkBatch(type(), batch, REFERENCE);
        NDArray chosen = batch.chosen();
        NDArray logRatioChosen = chosen.sub(LossMath.constant(batch.refChosen(), chosen));
        NDArray logRatioRejected = batch.rejected().sub(LossMath.constant(batch.refRejected(), chosen));
        NDArray margin = Scalars.times(logRatioChosen.sub(logRatioRejected), beta);
        double target = 1 / (2 * beta);
        NDArray perPair = LossMath.logSigmoid(margin).neg()
                .add(logRatioChosen.sub(target).square())
                .add(logRatioRejected.add(target).square());
        NDArray loss = perPair.mean();

        double[] u = LossMath.values(margin);
        double[] ratioChosen = LossMath.values(logRatioChosen);
        double[] ratioRejected = LossMath.values(logRatioRejected);
        double[] slope = new double[size];
        double[] chosenWeight = new double[size];
        double[] rejectedWeight = new double[size];
        for (int i = 0; i < size; i++) {
            slope[i] = LossMath.sigmoid(-u[i]);
            chosenWeight[i] = (slope[i] * beta - 2 * (ratioChosen[i] - target)) / size;
            rejectedWeight[i] = (slope[i] * beta + 2 * (ratioRejected[i] + target)) / size;
        }
        double[] lambda = LossMath.filled(size, beta);
        return new LossOutput(loss, slope, lambda, lambda.clone(), 0, chosenWeight, rejectedWeight,
                LossMath.scaled(ratioChosen, beta), LossMath.scaled(ratioRejected, beta));
    }
}
