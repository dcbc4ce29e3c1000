package dev.untangle.cli;

import ai.djl.ndarray.NDManager;
import dev.untangle.checkpoint.CheckpointStore;
import dev.untangle.data.EncodedPair;
import dev.untangle.data.TextCorpus;
import dev.untangle.data.TextDocument;
import dev.untangle.data.TextPacker;
import dev.untangle.loop.Example;
import dev.untangle.loop.SftTrainer;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import dev.untangle.model.GptWeights;
import dev.untangle.tokenizer.Gpt2Tokenizer;
import dev.untangle.wire.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** ./untangle sft: supervised fine-tuning on prompt+chosen (loss on the response) or on plain text. */
@Command(name = "sft", mixinStandardHelpOptions = true,
        description = "Supervised fine-tuning: on the chosen responses of preference pairs, or on a text corpus.")
public final class SftCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--data", required = true, description = "preference pairs (.jsonl/.gz) or, with --text, a text corpus (.txt, .jsonl, folder, aclImdb .tar.gz)")
    Path data;

    @Option(names = "--text", description = "treat --data as a plain text corpus")
    boolean text;

    @Option(names = "--out", required = true, description = "run folder: checkpoints/ and sft-summary.json go here")
    Path out;

    @Option(names = "--model", defaultValue = "small", description = "size preset: tiny, small, medium, gpt2 (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--init", description = "start from this model folder instead of a fresh model")
    Path init;

    @Option(names = "--steps", defaultValue = "300", description = "optimizer steps (default: ${DEFAULT-VALUE})")
    long steps;

    @Option(names = "--batch", defaultValue = "16", description = "sequences per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "AdamW learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--weight-decay", defaultValue = "0.0", description = "decoupled weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--checkpoint-every", defaultValue = "100", description = "steps between checkpoints; one is always written at the end (default: ${DEFAULT-VALUE})")
    int checkpointEvery;

    @Option(names = "--resume", description = "continue from the latest checkpoint in --out")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        SftTrainer.Result r = run(this);
        return r == null ? 1 : 0;
    }

    /** Runs SFT with these options; used by `run` too. Returns the result (checkpoint in result.checkpoint()). */
    static SftTrainer.Result run(SftCommand o) throws Exception {
        Path checkpoints = o.out.resolve("checkpoints");
        CheckpointStore store = new CheckpointStore(checkpoints, 3);
        Path resumeFrom = o.resume ? store.latest().orElse(null) : null;
        if (o.resume && resumeFrom == null) {
            System.out.println("sft: nothing to resume in " + checkpoints + "; starting from step 0");
        }
        Path modelSource = resumeFrom != null ? resumeFrom : (o.init == null ? null : Setup.modelDir(o.init));
        try (NDManager root = NDManager.newBaseManager(Setup.device(o.common.device));
             Gpt2Tokenizer tokenizer = Setup.tokenizer(modelSource, o.common.tokenizer, o.common.vocabSize)) {
            List<Example> train = new ArrayList<>();
            List<Example> heldOut = new ArrayList<>();
            if (o.text) {
                List<TextDocument> docs = TextCorpus.read(o.data, o.common.badRecordPolicy()).documents();
                List<int[]> rows = TextPacker.pack(docs.stream().map(TextDocument::text).toList(), tokenizer,
                        o.common.maxLength);
                int held = (int) Math.round(rows.size() * o.common.heldOut);
                for (int i = 0; i < rows.size(); i++) {
                    int[] row = rows.get(i);
                    // A text row is "prompt" = its first token, "response" = the rest: every next token is scored.
                    Example e = new Example(new int[] {row[0]}, java.util.Arrays.copyOfRange(row, 1, row.length));
                    (i < held ? heldOut : train).add(e);
                }
                System.out.println("data: " + docs.size() + " documents -> " + rows.size() + " rows of up to "
                        + o.common.maxLength + " tokens; " + train.size() + " train / " + heldOut.size() + " held out");
            } else {
                Setup.Pairs pairs = Setup.pairs(o.data, o.common.badRecordPolicy(), tokenizer, o.common.maxLength,
                        o.common.heldOut, o.common.seed, System.out);
                for (EncodedPair p : pairs.train()) {
                    train.add(new Example(p.prompt(), p.chosen()));
                }
                for (EncodedPair p : pairs.heldOut()) {
                    heldOut.add(new Example(p.prompt(), p.chosen()));
                }
            }
            Gpt gpt;
            if (modelSource != null) {
                gpt = GptWeights.load(modelSource, root);
            } else {
                GptConfig config = GptConfig.preset(o.model, tokenizer.vocabSize());
                if (o.common.maxLength > config.contextLength()) {
                    config = config.withContextLength(o.common.maxLength);
                }
                gpt = new Gpt(config);
                gpt.initialize(root, o.common.seed);
            }
            System.out.println("model: " + gpt.config() + " (" + gpt.config().parameterCount() + " parameters) on "
                    + root.getDevice());
            SftTrainer.Settings settings = new SftTrainer.Settings("sft", o.steps, o.batch, o.lr, o.weightDecay,
                    "adamw", o.checkpointEvery, o.common.seed, 16);
            SftTrainer.Result r = new SftTrainer(settings, gpt, tokenizer, store, root, System.out)
                    .run(train, heldOut, resumeFrom);
            System.out.printf("sft: %d steps in %.1f s, %.0f tokens/s; held-out NLL per token %.4f -> %.4f; checkpoint %s%n",
                    r.steps(), r.seconds(), r.tokensPerSecond(), r.heldOutNllBefore(), r.heldOutNllAfter(), r.checkpoint());
            Files.createDirectories(o.out);
            Files.writeString(o.out.resolve("sft-summary.json"), Json.MAPPER.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(Map.of("steps", r.steps(), "seconds", r.seconds(), "tokens_per_second",
                            r.tokensPerSecond(), "held_out_nll_before", r.heldOutNllBefore(), "held_out_nll_after",
                            r.heldOutNllAfter(), "skipped_steps", r.skippedSteps(), "checkpoint",
                            String.valueOf(r.checkpoint()))));
            return r;
        }
    }
}
