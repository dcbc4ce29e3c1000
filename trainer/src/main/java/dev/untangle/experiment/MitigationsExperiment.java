package dev.untangle.experiment;

import ai.djl.ndarray.NDManager;
import dev.untangle.data.BadRecordPolicy;
import dev.untangle.data.DataOrder;
import dev.untangle.data.EncodedPair;
import dev.untangle.data.PairEncoder;
import dev.untangle.data.PreferenceData;
import dev.untangle.data.PreferencePair;
import dev.untangle.data.PreferenceReader;
import dev.untangle.loop.Example;
import dev.untangle.loss.Losses;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import dev.untangle.tokenizer.Gpt2Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The same preference data and budget under several losses (by default DPO and the losses that claim to
 * avoid its failure: sigmoid, npo, spo, dpop, rpo, simpo), all from one SFT model: --init, or trained
 * once here on the chosen responses of the train split.
 */
public final class MitigationsExperiment {

    public static final List<String> DEFAULT_LOSSES = List.of("sigmoid", "npo", "spo", "dpop", "rpo", "simpo");

    /** @param init an SFT model folder, or null to train one (sftSteps steps of sftBatch) */
    public record Settings(Path data, Path init, Path tokenizer, int vocabSize, String model, int maxLength,
                           double heldOut, BadRecordPolicy badRecords, long sftSteps, int sftBatch, double sftLr,
                           int trainPairs, List<String> losses, PreferenceRuns.Budget budget) {
    }

    private MitigationsExperiment() {
    }

    public static List<RunSummary> run(Settings s, Path out, NDManager root, PrintStream log)
            throws IOException {
        for (String loss : s.losses()) {
            if (!Losses.isKnown(loss)) {
                throw new IllegalArgumentException("--losses: unknown loss '" + loss + "'; known: " + Losses.known());
            }
        }
        long start = System.nanoTime();
        long seed = s.budget().seed();
        Path init = s.init();
        Path sftModel = init;
        try (Gpt2Tokenizer tokenizer = init != null && Files.exists(init.resolve(Gpt2Tokenizer.TOKENIZER_FILE))
                ? Gpt2Tokenizer.fromTokenizerJson(init.resolve(Gpt2Tokenizer.TOKENIZER_FILE))
                : Gpt2Tokenizer.load(s.tokenizer(), s.vocabSize())) {
            PreferenceData read = new PreferenceReader(s.badRecords()).read(s.data());
            DataOrder.Split<PreferencePair> split = DataOrder.splitPairs(read.pairs(), s.heldOut(), seed);
            PairEncoder encoder = new PairEncoder(tokenizer, s.maxLength());
            List<EncodedPair> train = encoder.encodeAll(split.train());
            List<EncodedPair> held = encoder.encodeAll(split.heldOut());
            if (s.trainPairs() > 0 && train.size() > s.trainPairs()) {
                train = train.subList(0, s.trainPairs());
            }
            List<EncodedPair> eval = held.subList(0, Math.min(s.budget().evalPairs(), held.size()));
            log.println("mitigations: " + read.stats().withTruncated(encoder.truncatedPairs()).summary() + "; "
                    + train.size() + " train / " + eval.size() + " eval pairs (max length " + s.maxLength() + ")");
            if (sftModel == null) {
                GptConfig config = GptConfig.preset(s.model(), tokenizer.vocabSize());
                if (s.maxLength() > config.contextLength()) {
                    config = config.withContextLength(s.maxLength());
                }
                Gpt model = new Gpt(config);
                model.initialize(root, seed);
                List<Example> sftTrain = new ArrayList<>();
                for (EncodedPair p : train) {
                    sftTrain.add(new Example(p.prompt(), p.chosen()));
                }
                List<Example> sftHeld = held.stream().map(p -> new Example(p.prompt(), p.chosen())).toList();
                log.println("mitigations: SFT of a fresh " + config + " on the train split's chosen responses");
                sftModel = PreferenceRuns.sft(model, tokenizer, sftTrain, sftHeld, s.sftSteps(), s.sftBatch(),
                        s.sftLr(), seed, out.resolve("sft"), root, log);
            }
            List<RunSummary> runs = new ArrayList<>();
            for (String loss : s.losses()) {
                runs.add(PreferenceRuns.run(loss, loss, s.budget(), sftModel, train, eval, out.resolve(loss), root, log));
            }
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("experiment", "mitigations");
            settings.put("settings", s.toString());
            settings.put("sft_model", String.valueOf(sftModel));
            settings.put("total_seconds", (System.nanoTime() - start) / 1e9);
            String preamble = String.format(Locale.ROOT, """
                    Data %s (%d train pairs, %d eval pairs, max length %d). Every loss starts from the same SFT \
                    model (%s), which is also its reference, with the same data order and budget: %s lr %s, \
                    beta %s, %d steps of %d pairs, probe every step, eval protocol every %d steps. Total wall \
                    time %.0f s.""", s.data().getFileName(), train.size(), eval.size(), s.maxLength(),
                    init != null ? "--init " + init : "trained here for " + s.sftSteps() + " steps",
                    s.budget().optimizer(), s.budget().lr(), s.budget().lossConfig().beta(), s.budget().steps(),
                    s.budget().batch(), s.budget().evalEvery(), (System.nanoTime() - start) / 1e9);
            ResultsTable.write(out, "Mitigations experiment", preamble, settings, runs, findings(runs),
                    s.budget().evalPairs());
            return runs;
        }
    }

    /** One line per loss: did the eval chosen log-prob rise and the rejected one fall over the run? */
    public static List<String> findings(List<RunSummary> runs) {
        List<String> f = new ArrayList<>();
        for (RunSummary r : runs) {
            String direction = r.deltaChosen() > 0 && r.deltaRejected() < 0 ? "chosen up, rejected down (ideal)"
                    : r.deltaChosen() <= 0 && r.deltaRejected() < 0 ? "both down"
                    : r.deltaChosen() > 0 ? "both up" : "chosen down, rejected up";
            f.add(String.format(Locale.ROOT, "%s: eval chosen %+.3f, rejected %+.3f: %s; %.0f%% of probe steps ideal.",
                    r.lossType(), r.deltaChosen(), r.deltaRejected(), direction, 100 * r.fractionIdeal()));
        }
        return f;
    }
}
