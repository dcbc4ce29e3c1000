package dev.untangle.cli;

import ai.djl.ndarray.NDManager;
import dev.untangle.checkpoint.CheckpointStore;
import dev.untangle.checkpoint.Checkpoints;
import dev.untangle.checkpoint.TrainingState;
import dev.untangle.data.EncodedPair;
import dev.untangle.events.EventSink;
import dev.untangle.loss.Losses;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptWeights;
import dev.untangle.preference.ControlSource;
import dev.untangle.preference.PreferenceTrainer;
import dev.untangle.tokenizer.Gpt2Tokenizer;

import java.nio.file.Path;
import java.util.List;

/** The preference stage as `train` and `run` start it: model, reference, data, resume, trainer. */
final class PreferenceJob {
    private PreferenceJob() {
    }

    static PreferenceTrainer.Summary run(String runId, Path data, Path init, Path out, boolean resume,
                                         CommonOptions common, PreferenceOptions p, EventSink sink,
                                         java.util.function.Function<TrainingState, ControlSource> control)
            throws Exception {
        if (!Losses.isKnown(p.loss)) {
            throw new IllegalArgumentException("--loss " + p.loss + ": unknown; known: " + Losses.known());
        }
        p.validateSpo();
        boolean npoPerPair = p.npoPerPair(); // an unknown --npo-form fails here, before any work
        if (p.probeEvery < 1) {
            throw new IllegalArgumentException("--probe-every " + p.probeEvery + ": must be >= 1 (1 = every step)");
        }
        if (p.measureEvery < 0) {
            throw new IllegalArgumentException("--measure-every " + p.measureEvery + ": must be >= 0 (0 = never)");
        }
        // Options of one loss given with another are kept (a control command may switch the job to that
        // loss mid-run), but said.
        if (!"spo".equals(p.loss) && "learned".equals(p.spoMasks)) {
            System.out.println("train: note: --spo-masks learned applies to spo steps only; this job starts with "
                    + p.loss + " (it takes effect if the job is switched to spo)");
        }
        if (npoPerPair && !"npo".equals(p.loss)) {
            System.out.println("train: note: --npo-form pair applies to npo steps only; this job starts with "
                    + p.loss + " (it takes effect if the job is switched to npo)");
        }
        if (npoPerPair && p.probeEvery > 1) {
            System.out.println("train: note: with --npo-form pair every npo step is a probe step (its per-pair "
                    + "gradients are the probe); --probe-every " + p.probeEvery + " applies to other losses only");
        }
        CheckpointStore store = new CheckpointStore(out.resolve("checkpoints"), 3);
        Path resumeFrom = resume ? store.latest().orElse(null) : null;
        TrainingState resumed = resumeFrom == null ? null : Checkpoints.readState(resumeFrom);
        if (resumed != null && !"preference".equals(resumed.stage())) {
            resumeFrom = null;
            resumed = null;
        }
        Path referenceDir;
        if (resumed != null && resumed.reference() != null) {
            referenceDir = Path.of(resumed.reference());
        } else if (init != null) {
            referenceDir = Setup.modelDir(init);
        } else {
            throw new IllegalArgumentException("--init is required (the SFT model to start from and to use as reference)");
        }
        Path policySource = resumeFrom != null ? resumeFrom : referenceDir;
        try (NDManager root = NDManager.newBaseManager(Setup.device(common.device));
             Gpt2Tokenizer tokenizer = Setup.tokenizer(policySource, common.tokenizer, common.vocabSize);
             ControlSource controlSource = control.apply(resumed)) {
            Setup.Pairs pairs = Setup.pairs(data, common.badRecordPolicy(), tokenizer, common.maxLength,
                    common.heldOut, common.seed, System.out);
            Gpt policy = GptWeights.load(policySource, root);
            Gpt reference = GptWeights.load(referenceDir, root);
            reference.freezeParameters(true);
            List<EncodedPair> eval = pairs.heldOut().subList(0, Math.min(p.evalPairs, pairs.heldOut().size()));
            System.out.println("train: run " + runId + ", loss " + (resumed != null ? resumed.lossType() : p.loss)
                    + ("learned".equals(p.spoMasks) ? " (spo masks learned, lambda_s " + p.spoL1 + ")" : "")
                    + ", " + p.steps + " steps of " + p.batch + " pairs, policy from " + policySource
                    + (resumeFrom != null ? " (resumed at step " + resumed.step() + ")" : ""));
            PreferenceTrainer.Settings settings = new PreferenceTrainer.Settings(runId, p.loss, p.lossConfig(),
                    p.optimizer, p.lr, p.weightDecay, p.steps, p.batch, p.probeEvery, p.measureEvery,
                    p.evalEvery, p.evalPairs, p.checkpointEvery, common.seed, p.maxBadSteps, !p.noExtras, p.spoMasks,
                    p.spoL1, npoPerPair);
            PreferenceTrainer.Summary summary = new PreferenceTrainer(settings, policy, reference, referenceDir,
                    tokenizer, store, root, sink, controlSource, System.out).run(pairs.train(), eval, resumeFrom);
            print(summary);
            return summary;
        }
    }

    static void print(PreferenceTrainer.Summary s) {
        System.out.printf("train: %d steps in %.1f s; cases %s; %d skipped; switches %s; final loss %s; checkpoint %s%n",
                s.steps(), s.seconds(), s.cases(), s.skippedSteps(), s.switches(), s.finalLossType(), s.lastCheckpoint());
        double overhead = s.probeOverhead(false);
        if (Double.isFinite(overhead)) {
            System.out.printf("train: probe overhead in this run (medians after %d steps): probe step %.1f ms / plain "
                            + "step %.1f ms = %.3f; without the extras and re-scoring: %.1f ms / %.1f ms = %.3f%n",
                    PreferenceTrainer.TIMING_WARMUP_STEPS, 1e3 * s.medianSeconds(true, false),
                    1e3 * s.medianSeconds(false, false), overhead, 1e3 * s.medianSeconds(true, true),
                    1e3 * s.medianSeconds(false, true), s.probeOverhead(true));
        }
        if (s.stopReason() != null) {
            System.out.println("train: STOPPED: " + s.stopReason());
        }
    }
}
