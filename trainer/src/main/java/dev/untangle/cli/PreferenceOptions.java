package dev.untangle.cli;

import dev.untangle.loss.LossConfig;
import picocli.CommandLine.Option;

/** Options of preference training, shared by `train` and `run`. */
final class PreferenceOptions {
    @Option(names = "--loss", defaultValue = "sigmoid",
            description = "loss type: sigmoid (DPO), hinge, ipo, robust, rdpo, simpo, dpop, cpo, rpo, slic, orpo, caldpo, npo, spo (default: ${DEFAULT-VALUE})")
    String loss;

    @Option(names = "--beta", defaultValue = "0.1", description = "beta (default: ${DEFAULT-VALUE})")
    double beta;

    @Option(names = "--label-smoothing", defaultValue = "0.0", description = "label smoothing eps (robust, sigmoid family) (default: ${DEFAULT-VALUE})")
    double labelSmoothing;

    @Option(names = "--simpo-gamma", defaultValue = "0.5", description = "SimPO target margin gamma (default: ${DEFAULT-VALUE})")
    double simpoGamma;

    @Option(names = "--dpop-lambda", defaultValue = "50.0", description = "DPOP penalty weight (default: ${DEFAULT-VALUE})")
    double dpopLambda;

    @Option(names = "--nll-alpha", defaultValue = "1.0", description = "NLL weight of cpo, rpo, slic, orpo (default: ${DEFAULT-VALUE})")
    double nllAlpha;

    @Option(names = "--rdpo-alpha", defaultValue = "0.01", description = "R-DPO length penalty (default: ${DEFAULT-VALUE})")
    double rdpoAlpha;

    @Option(names = "--hinge-margin", defaultValue = "1.0", description = "hinge/slic margin (default: ${DEFAULT-VALUE})")
    double hingeMargin;

    @Option(names = "--spo-masks", defaultValue = "fixed",
            description = "spo token masks: fixed (0 on the responses' shared prefix and suffix) or learned (a sigmoid head "
                    + "on the policy's hidden states, trained jointly with an L1 penalty; one extra no-grad forward per "
                    + "step) (default: ${DEFAULT-VALUE})")
    String spoMasks;

    @Option(names = "--spo-l1", defaultValue = "0.01",
            description = "L1 weight lambda_s of learned spo masks, >= 0 (default: ${DEFAULT-VALUE})")
    double spoL1;

    @Option(names = "--lr", defaultValue = "1e-4", description = "learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--optimizer", defaultValue = "adamw", description = "adamw or sgd (default: ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--weight-decay", defaultValue = "0.0", description = "decoupled weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--steps", defaultValue = "200", description = "optimizer steps (default: ${DEFAULT-VALUE})")
    long steps;

    @Option(names = "--batch", defaultValue = "8", description = "pairs per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--probe-every", defaultValue = "1", description = "measure entanglement every k steps (default: ${DEFAULT-VALUE})")
    int probeEvery;

    @Option(names = "--measure-every", defaultValue = "10",
            description = "on every m-th probe step, re-score the batch after the update (measured_delta_*) and "
                    + "compute the extras (ches, response_entropy, head_inner_product); together they cost about half "
                    + "a step; 0 = never (default: ${DEFAULT-VALUE})")
    int measureEvery;

    @Option(names = "--eval-every", defaultValue = "25", description = "paper's eval protocol every n steps; 0 = never (default: ${DEFAULT-VALUE})")
    int evalEvery;

    @Option(names = "--eval-pairs", defaultValue = "16", description = "pairs in the fixed eval subset (default: ${DEFAULT-VALUE})")
    int evalPairs;

    @Option(names = "--checkpoint-every", defaultValue = "50", description = "steps between checkpoints (default: ${DEFAULT-VALUE})")
    int checkpointEvery;

    @Option(names = "--max-bad-steps", defaultValue = "5", description = "stop after this many non-finite steps in a row (default: ${DEFAULT-VALUE})")
    int maxBadSteps;

    @Option(names = "--no-extras", description = "skip CHES, response entropy and the head-only inner product on probe steps")
    boolean noExtras;

    @Option(names = "--npo-form", defaultValue = "batch",
            description = "npo's stop-gradient norms: batch (norms of the batch-weighted G_w, G_l) or pair "
                    + "(exact per-pair norms; every step is a probe step holding 2B copies of the parameters) "
                    + "(default: ${DEFAULT-VALUE})")
    String npoForm;

    /** @throws IllegalArgumentException naming the option for an unknown form */
    boolean npoPerPair() {
        return switch (npoForm) {
            case "batch" -> false;
            case "pair" -> true;
            default -> throw new IllegalArgumentException("--npo-form: expected batch or pair, got '" + npoForm + "'");
        };
    }

    /** Checks the spo options, naming the option in the message. */
    void validateSpo() {
        if (!"fixed".equals(spoMasks) && !"learned".equals(spoMasks)) {
            throw new IllegalArgumentException("--spo-masks " + spoMasks + ": expected fixed or learned");
        }
        if (!(spoL1 >= 0) || Double.isInfinite(spoL1)) {
            throw new IllegalArgumentException("--spo-l1 " + spoL1 + ": must be a finite number >= 0 (the L1 weight "
                    + "lambda_s of learned spo masks)");
        }
    }

    LossConfig lossConfig() {
        return new LossConfig(beta, labelSmoothing, simpoGamma, dpopLambda, nllAlpha, rdpoAlpha, hingeMargin);
    }
}
