package dev.untangle.experiment;

import ai.djl.ndarray.NDManager;
import dev.untangle.checkpoint.CheckpointStore;
import dev.untangle.data.EncodedPair;
import dev.untangle.loop.Example;
import dev.untangle.loop.SftTrainer;
import dev.untangle.loss.LossConfig;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptWeights;
import dev.untangle.preference.ControlSource;
import dev.untangle.preference.PreferenceTrainer;
import dev.untangle.tokenizer.Gpt2Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The two stages every experiment is made of, on the project's own trainers: SFT once (SftTrainer),
 * then one preference run per variant or loss from that same SFT model, which is also the frozen
 * reference (PreferenceTrainer, with the per-step probe and the paper's eval protocol).
 */
public final class PreferenceRuns {

    /**
     * The budget shared by every preference run of one experiment (same data order, same steps).
     *
     * @param evalEvery the paper's eval protocol every this many steps (and at step 0 and the end)
     */
    public record Budget(long steps, int batch, double lr, String optimizer, LossConfig lossConfig, int evalEvery,
                         int evalPairs, long seed) {
    }

    private PreferenceRuns() {
    }

    /** SFT of a given (fresh or loaded) model; returns the final checkpoint folder (a valid model folder). */
    public static Path sft(Gpt model, Gpt2Tokenizer tokenizer, List<Example> train, List<Example> heldOut, long steps,
                           int batch, double lr, long seed, Path out, NDManager root, PrintStream log)
            throws IOException {
        SftTrainer.Settings settings = new SftTrainer.Settings("sft", steps, batch, lr, 0.0, "adamw", 0, seed, 16);
        SftTrainer.Result r = new SftTrainer(settings, model, tokenizer, new CheckpointStore(out.resolve("checkpoints"), 1),
                root, log).run(train, heldOut, null);
        log.printf("sft: %d steps in %.1f s, %.0f tokens/s; held-out NLL per token %.4f -> %.4f%n", r.steps(),
                r.seconds(), r.tokensPerSecond(), r.heldOutNllBefore(), r.heldOutNllAfter());
        return r.checkpoint();
    }

    /**
     * One preference run from {@code sftModel} (policy init and reference) with {@code lossType}; returns
     * its summary. Checkpoints go to out/checkpoints (only the last one is kept).
     */
    public static RunSummary run(String variant, String lossType, Budget budget, Path sftModel,
                                 List<EncodedPair> train, List<EncodedPair> eval, Path out, NDManager parent,
                                 PrintStream log) throws IOException {
        try (NDManager root = parent.newSubManager();
             Gpt2Tokenizer tokenizer = Gpt2Tokenizer.fromTokenizerJson(sftModel.resolve(Gpt2Tokenizer.TOKENIZER_FILE));
             EventLog events = new EventLog()) {
            Gpt policy = GptWeights.load(sftModel, root);
            Gpt reference = GptWeights.load(sftModel, root);
            reference.freezeParameters(true);
            PreferenceTrainer.Settings settings = new PreferenceTrainer.Settings(variant, lossType,
                    budget.lossConfig(), budget.optimizer(), budget.lr(), 0.0, budget.steps(), budget.batch(), 1, 0,
                    budget.evalEvery(), budget.evalPairs(), 0, budget.seed(), 5, false);
            log.println("experiment: " + variant + " (" + lossType + "), " + budget.steps() + " steps of "
                    + budget.batch() + " pairs, " + train.size() + " train / " + eval.size() + " eval pairs");
            PreferenceTrainer.Summary s = new PreferenceTrainer(settings, policy, reference, sftModel, tokenizer,
                    new CheckpointStore(out.resolve("checkpoints"), 1), root, events, ControlSource.NONE, log)
                    .run(train, eval, null);
            if (s.stopReason() != null) {
                log.println("experiment: " + variant + " stopped early: " + s.stopReason());
            }
            return RunSummary.of(variant, lossType, events.steps(), events.evals(), s.seconds());
        }
    }
}
