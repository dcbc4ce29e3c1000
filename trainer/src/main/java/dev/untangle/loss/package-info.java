/**
 * Margin-based preference losses (DESIGN.md section 1). Each loss is one class that computes its batch value
 * with DJL ops (differentiable through the policy log-probs) and states its own coefficients in
 * {@link dev.untangle.loss.LossOutput}: per pair k_i, lambda_w,i, lambda_l,i, the NLL weight alpha and the exact
 * derivatives chosenWeight_i = -dL/dlw_i, rejectedWeight_i = +dL/dll_i that the probe uses to form
 * G_w = sum_i chosenWeight_i*g_w^i and G_l = sum_i rejectedWeight_i*g_l^i.
 *
 * <p>Conventions: the batch loss is the mean over pairs. {@code nllAlpha} is the weight per summed chosen
 * log-prob in that mean, R = -(alpha/B)*sum_i lw_i; TRL's token-averaged NLL (cpo, rpo, orpo) is therefore
 * stated as alpha_eff = alpha*B/sum_j |y_w,j|. Rewards are beta*(policy - reference) as TRL logs them (per token
 * where TRL averages: ipo, simpo, orpo; the policy alone when reference-free). Cal-DPO is the one loss whose
 * weights are not of the pure margin form; see {@link dev.untangle.loss.CalDpoLoss}.
 *
 * <p>{@link dev.untangle.loss.Losses} is the registry by name; {@link dev.untangle.loss.EntanglementConditions}
 * turns measured gradient statistics into the two condition ratios and the case.
 */
package dev.untangle.loss;
