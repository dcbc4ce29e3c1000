package dev.untangle.cli;

import ai.djl.ndarray.NDManager;
import dev.untangle.data.BadRecordPolicy;
import dev.untangle.data.EncodedPair;
import dev.untangle.data.PairEncoder;
import dev.untangle.data.PreferenceData;
import dev.untangle.data.PreferenceReader;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptWeights;
import dev.untangle.tokenizer.Gpt2Tokenizer;
import dev.untangle.tokenmap.TokenScores;
import dev.untangle.wire.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** ./untangle score: per pair, summed and per-token log-probs of chosen and rejected (a user tool and a test oracle). */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Scores preference pairs with a model: per pair, the summed and per-token log-probs of chosen and "
                + "rejected and their token counts (one JSON line per pair, in file order).")
public final class ScoreCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--init", required = true, description = "model folder (or run folder: its latest checkpoint)")
    Path init;

    @Option(names = "--data", required = true, description = "preference pairs (.jsonl/.gz)")
    Path data;

    @Option(names = "--out", defaultValue = "scores.jsonl", description = "output JSONL (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--tokens", description = "also write the prompt and response token ids")
    boolean tokens;

    @Option(names = "--batch", defaultValue = "16", description = "pairs per forward (default: ${DEFAULT-VALUE})")
    int batch;

    @Override
    public Integer call() throws Exception {
        Path modelDir = Setup.modelDir(init);
        try (NDManager root = NDManager.newBaseManager(Setup.device(common.device));
             Gpt2Tokenizer tok = Setup.tokenizer(modelDir, common.tokenizer, common.vocabSize)) {
            PreferenceData read = new PreferenceReader(common.badRecordPolicy()).read(data);
            PairEncoder encoder = new PairEncoder(tok, common.maxLength);
            List<EncodedPair> pairs = encoder.encodeAll(read.pairs());
            System.out.println("data: " + read.stats().withTruncated(encoder.truncatedPairs()).summary());
            Gpt model = GptWeights.load(modelDir, root);
            List<TokenScores> scores = TokenScores.of(model, pairs, tok.endOfTextId(), batch, root);
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            try (BufferedWriter w = Files.newBufferedWriter(out)) {
                for (int i = 0; i < pairs.size(); i++) {
                    w.write(Json.MAPPER.writeValueAsString(line(i, pairs.get(i), scores.get(i), tokens)));
                    w.newLine();
                }
            }
            System.out.println("score: " + pairs.size() + " pairs -> " + out);
            return 0;
        }
    }

    static Map<String, Object> line(int index, EncodedPair pair, TokenScores s, boolean withTokens) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", index);
        m.put("source", pair.source());
        m.put("line", pair.line());
        m.put("chosen_logp", s.chosenLogProb());
        m.put("rejected_logp", s.rejectedLogProb());
        m.put("chosen_tokens", pair.chosen().length);
        m.put("rejected_tokens", pair.rejected().length);
        m.put("chosen_token_logps", s.chosenTokenLogProbs());
        m.put("rejected_token_logps", s.rejectedTokenLogProbs());
        if (withTokens) {
            m.put("prompt_ids", pair.prompt());
            m.put("chosen_ids", pair.chosen());
            m.put("rejected_ids", pair.rejected());
        }
        return m;
    }
}
