package dev.untangle.experiment;

import ai.djl.ndarray.NDManager;
import dev.untangle.data.EncodedPair;
import dev.untangle.data.ImdbReader;
import dev.untangle.data.ImdbReview;
import dev.untangle.loop.Example;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import dev.untangle.tokenizer.Gpt2Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The paper's controlled sentiment experiment on IMDb (our construction; SentimentData describes the data).
 * One SFT model; then DPO (sigmoid) from it on three variants of the same prompts: "1t" (responses are the
 * label token only), "short suffix" and "long suffix" (the same text after the label in both responses).
 *
 * <p>The paper reports: one-token pairs -> the per-pair cosine falls below 0 and chosen rises; shared-suffix
 * pairs -> cosine positive, higher with the longer suffix, chosen falls. {@link #findings} states, for each
 * claim, what this run measured.
 */
public final class SentimentExperiment {

    /** Everything that sizes the experiment; the CLI's defaults fit about 15 minutes on 2 cores. */
    /** @param init an SFT model folder from an earlier run of this experiment (same tokenizer), or null to train one */
    public record Settings(Path imdb, Path init, Path tokenizer, int vocabSize, String model, int reviewTokens,
                           String positiveWord, String negativeWord, String shortSuffix, String longSuffix,
                           int sftReviews, long sftSteps, int sftBatch, double sftLr, int trainPairs,
                           String preference, PreferenceRuns.Budget budget) {
        public Settings {
            if (!preference.equals("positive") && !preference.equals("correct")) {
                throw new IllegalArgumentException("--prefer must be 'positive' or 'correct', got '" + preference + "'");
            }
        }
    }

    private SentimentExperiment() {
    }

    public static List<RunSummary> run(Settings s, Path out, NDManager root, PrintStream log) throws IOException {
        long start = System.nanoTime();
        List<ImdbReview> reviews = ImdbReader.read(s.imdb(), "train");
        int evalPairs = s.budget().evalPairs();
        List<ImdbReview> picked = SentimentData.balanced(reviews, s.sftReviews() + s.trainPairs() + evalPairs,
                s.budget().seed());
        log.printf("sentiment: %d IMDb train reviews read, %d picked (%d SFT, %d preference train, %d eval)%n",
                reviews.size(), picked.size(), s.sftReviews(), s.trainPairs(), evalPairs);
        try (Gpt2Tokenizer tokenizer = s.init() != null
                ? Gpt2Tokenizer.fromTokenizerJson(s.init().resolve(Gpt2Tokenizer.TOKENIZER_FILE))
                : Gpt2Tokenizer.load(s.tokenizer(), s.vocabSize())) {
            SentimentData data = new SentimentData(tokenizer, s.reviewTokens(), s.positiveWord(), s.negativeWord());
            List<SentimentData.Prompt> prompts = new ArrayList<>();
            for (ImdbReview r : picked) {
                prompts.add(data.prompt(r));
            }
            // Preference prompts first (they are fixed whatever --sft-reviews is), then SFT rows.
            List<SentimentData.Prompt> evalPrompts = prompts.subList(0, evalPairs);
            List<SentimentData.Prompt> trainPrompts = prompts.subList(evalPairs, evalPairs + s.trainPairs());
            List<Example> sft = new ArrayList<>();
            for (SentimentData.Prompt p : prompts.subList(evalPairs + s.trainPairs(), prompts.size())) {
                sft.add(data.sftExample(p));
            }
            // The SFT set also covers the preference prompts' reviews with their correct labels, as the
            // paper's SFT precedes DPO on the same distribution; held-out NLL is on the eval prompts.
            for (SentimentData.Prompt p : trainPrompts) {
                sft.add(data.sftExample(p));
            }
            List<Example> sftHeldOut = evalPrompts.stream().map(data::sftExample).toList();

            GptConfig config = GptConfig.preset(s.model(), tokenizer.vocabSize());
            int longest = 0;
            for (SentimentData.Prompt p : prompts) {
                longest = Math.max(longest, p.ids().length);
            }
            int[] shortSuffix = data.encode(s.shortSuffix());
            int[] longSuffix = data.encode(s.longSuffix());
            int needed = longest + 2 + longSuffix.length;
            if (needed > config.contextLength()) {
                config = config.withContextLength(needed);
            }
            Gpt model;
            if (s.init() != null) {
                model = dev.untangle.model.GptWeights.load(s.init(), root);
                config = model.config();
                if (needed > config.contextLength()) {
                    throw new IllegalArgumentException("--init " + s.init() + ": context " + config.contextLength()
                            + " is shorter than the " + needed + " tokens the longest pair needs");
                }
            } else {
                model = new Gpt(config);
                model.initialize(root, s.budget().seed());
            }
            log.println("sentiment: model " + config + " (" + config.parameterCount() + " parameters); labels '"
                    + s.positiveWord() + "'/'" + s.negativeWord() + "'; suffixes of " + shortSuffix.length + " and "
                    + longSuffix.length + " tokens");
            Path sftModel = s.init() != null ? s.init() : PreferenceRuns.sft(model, tokenizer, sft, sftHeldOut,
                    s.sftSteps(), s.sftBatch(), s.sftLr(), s.budget().seed(), out.resolve("sft"), root, log);

            Map<String, int[]> variants = new LinkedHashMap<>();
            variants.put("1t", new int[0]);
            variants.put("short-suffix", shortSuffix);
            variants.put("long-suffix", longSuffix);
            List<RunSummary> runs = new ArrayList<>();
            for (Map.Entry<String, int[]> v : variants.entrySet()) {
                boolean positive = s.preference().equals("positive");
                List<EncodedPair> train = pairs(data, trainPrompts, v.getValue(), positive);
                List<EncodedPair> eval = pairs(data, evalPrompts, v.getValue(), positive);
                runs.add(PreferenceRuns.run(v.getKey(), "sigmoid", s.budget(), sftModel, train, eval,
                        out.resolve(v.getKey()), root, log));
            }
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("experiment", "sentiment");
            settings.put("settings", s.toString());
            settings.put("model", config.toString());
            settings.put("short_suffix_tokens", shortSuffix.length);
            settings.put("long_suffix_tokens", longSuffix.length);
            settings.put("total_seconds", (System.nanoTime() - start) / 1e9);
            String preamble = String.format(Locale.ROOT, """
                    IMDb (aclImdb v1, train split), balanced and seeded. Prompt: <eot> + the first %d tokens of a \
                    review + " Sentiment:". SFT (%s, language modelling on prompt + label + <eot>), then DPO (sigmoid, beta %s, %s lr %s, %d steps of %d pairs) from it on \
                    %d pairs per variant whose responses differ only in the label token ('%s' / '%s'; chosen: %s), followed by nothing (1t), a %d-token shared suffix, or a %d-token shared suffix. \
                    Total wall time %.0f s.""",
                    s.reviewTokens(), s.init() != null ? "--init " + s.init() + ", " + config
                            : s.sftSteps() + " steps of " + s.sftBatch() + " rows of a fresh " + config,
                    s.budget().lossConfig().beta(),
                    s.budget().optimizer(), s.budget().lr(), s.budget().steps(), s.budget().batch(), s.trainPairs(),
                    s.positiveWord(), s.negativeWord(), s.preference().equals("positive")
                            ? "always the positive label" : "the review's correct label", shortSuffix.length, longSuffix.length,
                    (System.nanoTime() - start) / 1e9);
            ResultsTable.write(out, "Sentiment experiment (IMDb)", preamble, settings, runs, findings(runs),
                    evalPairs);
            return runs;
        }
    }

    private static List<EncodedPair> pairs(SentimentData data, List<SentimentData.Prompt> prompts, int[] suffix,
                                           boolean alwaysPositive) {
        List<EncodedPair> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            out.add(data.pair(prompts.get(i), suffix, i, alwaysPositive));
        }
        return out;
    }

    /** Each claim of the paper, and whether this run's numbers agree ("agrees" / "differs"), with the numbers. */
    public static List<String> findings(List<RunSummary> runs) {
        RunSummary one = runs.get(0);
        RunSummary shortS = runs.get(1);
        RunSummary longS = runs.get(2);
        List<String> f = new ArrayList<>();
        f.add(String.format(Locale.ROOT, "1t, paper: cosine falls below 0. Measured: eval cosine %+.3f -> %+.3f "
                        + "(minimum %+.3f): %s.", one.evalCosineFirst(), one.evalCosineLast(), min(one.evalCosines()),
                one.evalCosineLast() < 0 ? "agrees" : "differs"));
        f.add(String.format(Locale.ROOT, "1t, paper: chosen rises. Measured: eval chosen log-prob %+.3f: %s.",
                one.deltaChosen(), one.deltaChosen() > 0 ? "agrees" : "differs"));
        for (RunSummary r : List.of(shortS, longS)) {
            f.add(String.format(Locale.ROOT, "%s, paper: cosine positive. Measured: mean eval cosine %+.3f "
                            + "(first %+.3f, last %+.3f): %s.", r.variant(), r.evalCosineMean(), r.evalCosineFirst(),
                    r.evalCosineLast(), r.evalCosineMean() > 0 ? "agrees" : "differs"));
            f.add(String.format(Locale.ROOT, "%s, paper: chosen falls. Measured: eval chosen log-prob %+.3f "
                            + "(rejected %+.3f): %s.", r.variant(), r.deltaChosen(), r.deltaRejected(),
                    r.deltaChosen() < 0 ? "agrees" : "differs"));
        }
        f.add(String.format(Locale.ROOT, "paper: cosine higher with the longer suffix. Measured: mean eval cosine "
                        + "long %+.3f vs short %+.3f: %s.", longS.evalCosineMean(), shortS.evalCosineMean(),
                longS.evalCosineMean() > shortS.evalCosineMean() ? "agrees" : "differs"));
        return f;
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }
}
