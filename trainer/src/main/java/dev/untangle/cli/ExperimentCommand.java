package dev.untangle.cli;

import ai.djl.ndarray.NDManager;
import dev.untangle.data.BadRecordPolicy;
import dev.untangle.experiment.MitigationsExperiment;
import dev.untangle.experiment.PreferenceRuns;
import dev.untangle.experiment.ResultsTable;
import dev.untangle.experiment.RunSummary;
import dev.untangle.experiment.SentimentExperiment;
import dev.untangle.loss.LossConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** ./untangle experiment sentiment|mitigations: the paper's experiments, a results table in the out folder. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "The paper's experiments: 'sentiment' (IMDb, one-token vs shared-suffix pairs) and "
                + "'mitigations' (the same data and budget under several losses). Results: <out>/results.md and .json.",
        subcommands = {ExperimentCommand.Sentiment.class, ExperimentCommand.Mitigations.class})
public final class ExperimentCommand implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /**
     * Options both experiments share: the preference budget, model and tokenizer. The defaults are the
     * budget measured on the shared 2-core machine (tiny model, short runs); flags scale it up.
     */
    static final class Shared {
        @Option(names = "--out", description = "results folder (default: runs/experiment-<name>)")
        Path out;

        @Option(names = "--tokenizer", defaultValue = "../shared/data/gpt2-tokenizer",
                description = "GPT-2 encoder.json + vocab.bpe folder, or a tokenizer.json (default: ${DEFAULT-VALUE})")
        Path tokenizer;

        @Option(names = "--vocab-size", defaultValue = "4096", description = "vocabulary size (default: ${DEFAULT-VALUE})")
        int vocabSize;

        @Option(names = "--model", defaultValue = "tiny", description = "size preset of the fresh SFT model (default: ${DEFAULT-VALUE})")
        String model;

        @Option(names = "--sft-steps", defaultValue = "150", description = "SFT steps (default: ${DEFAULT-VALUE})")
        long sftSteps;

        @Option(names = "--sft-batch", defaultValue = "16", description = "SFT rows per step (default: ${DEFAULT-VALUE})")
        int sftBatch;

        @Option(names = "--sft-lr", defaultValue = "1e-3", description = "SFT AdamW learning rate (default: ${DEFAULT-VALUE})")
        double sftLr;

        @Option(names = "--steps", defaultValue = "30", description = "preference steps per run (default: ${DEFAULT-VALUE})")
        long steps;

        @Option(names = "--batch", defaultValue = "8", description = "pairs per preference step (default: ${DEFAULT-VALUE})")
        int batch;

        @Option(names = "--lr", defaultValue = "1e-3", description = "preference learning rate (default: ${DEFAULT-VALUE})")
        double lr;

        @Option(names = "--optimizer", defaultValue = "adamw", description = "adamw or sgd (default: ${DEFAULT-VALUE})")
        String optimizer;

        @Option(names = "--beta", defaultValue = "0.1", description = "beta (default: ${DEFAULT-VALUE})")
        double beta;

        @Option(names = "--eval-every", defaultValue = "10", description = "eval protocol every n steps (default: ${DEFAULT-VALUE})")
        int evalEvery;

        @Option(names = "--eval-pairs", defaultValue = "8", description = "pairs in the fixed eval subset (default: ${DEFAULT-VALUE})")
        int evalPairs;

        @Option(names = "--seed", defaultValue = "1", description = "data, order and init seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE})")
        String device;

        PreferenceRuns.Budget budget() {
            return new PreferenceRuns.Budget(steps, batch, lr, optimizer, LossConfig.defaults().withBeta(beta),
                    evalEvery, evalPairs, seed);
        }

        static void print(Path out, List<RunSummary> runs) {
            System.out.println();
            System.out.print(ResultsTable.markdown(runs));
            System.out.println("results: " + out.resolve("results.md") + " and " + out.resolve("results.json"));
        }
    }

    @Command(name = "sentiment", mixinStandardHelpOptions = true,
            description = "IMDb: SFT on review + label word, then DPO on pairs differing only in the label token (1t), "
                    + "and on the same pairs followed by a shared short and a shared long suffix.")
    static final class Sentiment implements Callable<Integer> {
        @CommandLine.Mixin
        Shared shared;

        @Option(names = "--imdb", defaultValue = "../shared/data/imdb/aclImdb-v1-labeled.tar.gz",
                description = "aclImdb folder or .tar.gz (default: ${DEFAULT-VALUE})")
        Path imdb;

        @Option(names = "--init", description = "reuse the SFT model of an earlier run (its folder or run folder); default: train one")
        Path init;

        @Option(names = "--review-tokens", defaultValue = "48", description = "review tokens kept per prompt (default: ${DEFAULT-VALUE})")
        int reviewTokens;

        @Option(names = "--labels", defaultValue = " good, bad", split = ",",
                description = "positive and negative label words, each one token (default: '${DEFAULT-VALUE}')")
        List<String> labels;

        @Option(names = "--short-suffix", defaultValue = " Thanks for reading.",
                description = "shared short suffix (default: '${DEFAULT-VALUE}')")
        String shortSuffix;

        @Option(names = "--long-suffix", defaultValue = " That is my honest opinion after watching the whole film, and "
                + "other people may of course see it quite differently, so please watch it yourself and decide.",
                description = "shared long suffix (default: '${DEFAULT-VALUE}')")
        String longSuffix;

        @Option(names = "--prefer", defaultValue = "positive",
                description = "positive: chosen is always the positive label (prefer positive sentiment, as DPO's IMDb task); "
                        + "correct: chosen is the review's own label (default: ${DEFAULT-VALUE})")
        String prefer;

        @Option(names = "--sft-reviews", defaultValue = "1000", description = "reviews for SFT only, besides the preference ones (default: ${DEFAULT-VALUE})")
        int sftReviews;

        @Option(names = "--pairs", defaultValue = "128", description = "preference train pairs per variant (default: ${DEFAULT-VALUE})")
        int pairs;

        @Override
        public Integer call() throws Exception {
            if (labels.size() != 2) {
                throw new IllegalArgumentException("--labels: two words expected (positive,negative), got " + labels);
            }
            Path out = shared.out != null ? shared.out : Path.of("runs", "experiment-sentiment");
            SentimentExperiment.Settings s = new SentimentExperiment.Settings(imdb,
                    init == null ? null : Setup.modelDir(init), shared.tokenizer, shared.vocabSize,
                    shared.model, reviewTokens, labels.get(0), labels.get(1), shortSuffix, longSuffix, sftReviews,
                    shared.sftSteps, shared.sftBatch, shared.sftLr, pairs, prefer, shared.budget());
            try (NDManager root = NDManager.newBaseManager(Setup.device(shared.device))) {
                Shared.print(out, SentimentExperiment.run(s, out, root, System.out));
            }
            return 0;
        }
    }

    @Command(name = "mitigations", mixinStandardHelpOptions = true,
            description = "The same preference data and budget under several losses (default sigmoid, npo, spo, dpop, "
                    + "rpo, simpo), all from one SFT model (--init, or trained once here).")
    static final class Mitigations implements Callable<Integer> {
        @CommandLine.Mixin
        Shared shared;

        @Option(names = "--data", required = true, description = "preference pairs (.jsonl/.gz)")
        Path data;

        @Option(names = "--init", description = "SFT model folder or run folder (default: train one here)")
        Path init;

        @Option(names = "--losses", split = ",", description = "losses to compare (default: sigmoid,npo,spo,dpop,rpo,simpo)")
        List<String> losses;

        @Option(names = "--max-length", defaultValue = "64", description = "tokens per sequence (default: ${DEFAULT-VALUE})")
        int maxLength;

        @Option(names = "--train-pairs", defaultValue = "512", description = "use only the first N train pairs; 0 = all (default: ${DEFAULT-VALUE})")
        int trainPairs;

        @Option(names = "--held-out", defaultValue = "0.1", description = "held-out fraction (eval pairs come from it) (default: ${DEFAULT-VALUE})")
        double heldOut;

        @Option(names = "--on-bad-record", defaultValue = "skip", description = "fail or skip (default: ${DEFAULT-VALUE})")
        String onBadRecord;

        @Override
        public Integer call() throws Exception {
            Path out = shared.out != null ? shared.out : Path.of("runs", "experiment-mitigations");
            MitigationsExperiment.Settings s = new MitigationsExperiment.Settings(data,
                    init == null ? null : Setup.modelDir(init), shared.tokenizer, shared.vocabSize, shared.model,
                    maxLength, heldOut, BadRecordPolicy.parse(onBadRecord), shared.sftSteps, shared.sftBatch,
                    shared.sftLr, trainPairs, losses == null ? MitigationsExperiment.DEFAULT_LOSSES : losses,
                    shared.budget());
            try (NDManager root = NDManager.newBaseManager(Setup.device(shared.device))) {
                Shared.print(out, MitigationsExperiment.run(s, out, root, System.out));
            }
            return 0;
        }
    }

}
