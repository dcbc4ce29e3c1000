package dev.untangle.loss;

import ai.djl.ndarray.NDArray;

/**
 * A margin loss evaluated on a batch (DESIGN.md section 1: L = m(u) + R, u = lambda_w*lw - lambda_l*ll + c).
 *
 * @param loss           scalar batch loss (mean over pairs), differentiable in the inputs' graph
 * @param slope          per-pair k_i = -m'(u_i), before the 1/B of the batch mean
 * @param lambdaChosen   per-pair lambda_w,i
 * @param lambdaRejected per-pair lambda_l,i
 * @param nllAlpha       weight alpha of the NLL term -alpha*lw on the chosen response (0 if none)
 * @param chosenWeight   per pair, -dL/dlw_i for the batch loss L: (k_i*lambda_w,i + alpha)/B
 * @param rejectedWeight per pair, +dL/dll_i: k_i*lambda_l,i/B
 * @param rewardsChosen  per pair beta*(lw - lw_ref) as TRL logs them (policy only when reference-free)
 * @param rewardsRejected likewise for the rejected response
 */
public record LossOutput(
        NDArray loss,
        double[] slope,
        double[] lambdaChosen,
        double[] lambdaRejected,
        double nllAlpha,
        double[] chosenWeight,
        double[] rejectedWeight,
        double[] rewardsChosen,
        double[] rewardsRejected) {
}
