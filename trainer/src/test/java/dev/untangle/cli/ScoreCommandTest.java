package dev.untangle.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import dev.untangle.data.EncodedPair;
import dev.untangle.loop.Batches;
import dev.untangle.loop.Scorer;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import dev.untangle.model.GptWeights;
import dev.untangle.tokenizer.Gpt2Tokenizer;
import dev.untangle.tokenizer.SharedData;
import dev.untangle.wire.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `score` end to end on a saved tiny model: the summed log-prob equals the sum of the per-token ones, equals
 * an independent single-pair forward (Scorer on a batch of one, so no padding), and the first response
 * token's log-prob equals logit[target] - logsumexp(logits) computed here in Java from the raw logits.
 */
class ScoreCommandTest {

    @Test
    void summedLogProbsEqualPerTokenSumsAndAnIndependentForward(@TempDir Path dir) throws Exception {
        Path modelDir = dir.resolve("model");
        Files.createDirectories(modelDir);
        Path data = dir.resolve("pairs.jsonl");
        Files.writeString(data, String.join("\n",
                "{\"prompt\": \"The film was\", \"chosen\": \" quite good.\", \"rejected\": \" bad, really bad and long.\"}",
                "{\"prompt\": \"Say hello\", \"chosen\": \" hello there\", \"rejected\": \" no\"}",
                "{\"prompt\": \"A longer prompt with several words in it\", \"chosen\": \" yes\", \"rejected\": \" maybe not\"}"));
        Path out = dir.resolve("scores.jsonl");
        try (NDManager m = NDManager.newBaseManager();
             Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(SharedData.gpt2TokenizerDir(), 320)) {
            Gpt model = new Gpt(GptConfig.preset("tiny", tokenizer.vocabSize()));
            model.initialize(m, 9);
            GptWeights.save(model, modelDir);
            tokenizer.save(modelDir);

            int rc = new CommandLine(new ScoreCommand()).execute("--init", modelDir.toString(), "--data", data.toString(),
                    "--out", out.toString(), "--tokens", "--batch", "2");
            assertEquals(0, rc);
            List<String> lines = Files.readAllLines(out);
            assertEquals(3, lines.size());
            ParameterStore ps = new ParameterStore(m, false);
            for (String line : lines) {
                JsonNode j = Json.MAPPER.readTree(line);
                int[] prompt = ints(j.get("prompt_ids"));
                int[] chosen = ints(j.get("chosen_ids"));
                int[] rejected = ints(j.get("rejected_ids"));
                assertEquals(chosen.length, j.get("chosen_tokens").asInt());
                assertEquals(rejected.length, j.get("rejected_tokens").asInt());
                assertEquals(tokenizer.endOfTextId(), chosen[chosen.length - 1], "responses end with <eot>");
                double chosenSum = sum(j.get("chosen_token_logps"));
                double rejectedSum = sum(j.get("rejected_token_logps"));
                assertEquals(chosen.length, j.get("chosen_token_logps").size());
                assertEquals(j.get("chosen_logp").asDouble(), chosenSum, 1e-4, "chosen sum of per-token");
                assertEquals(j.get("rejected_logp").asDouble(), rejectedSum, 1e-4, "rejected sum of per-token");
                EncodedPair pair = new EncodedPair(prompt, chosen, rejected, "t", 0);
                try (NDManager step = m.newSubManager()) {
                    double single = Scorer.scoreNoGrad(model, ps, Batches.chosen(List.of(pair), 0, step))[0];
                    assertEquals(single, j.get("chosen_logp").asDouble(), 1e-4, "independent forward, chosen");
                    double singleR = Scorer.scoreNoGrad(model, ps, Batches.rejected(List.of(pair), 0, step))[0];
                    assertEquals(singleR, j.get("rejected_logp").asDouble(), 1e-4, "independent forward, rejected");
                    // Hand computation of the first response token from the raw logits at the last prompt position.
                    long[] ids = new long[prompt.length];
                    for (int i = 0; i < prompt.length; i++) {
                        ids[i] = prompt[i];
                    }
                    NDArray logits = model.forward(ps, new NDList(step.create(ids).expandDims(0)), false).get(0);
                    float[] all = logits.toFloatArray();
                    int vocab = tokenizer.vocabSize();
                    int offset = (prompt.length - 1) * vocab;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < vocab; v++) {
                        max = Math.max(max, all[offset + v]);
                    }
                    double z = 0;
                    for (int v = 0; v < vocab; v++) {
                        z += Math.exp(all[offset + v] - max);
                    }
                    double hand = all[offset + chosen[0]] - max - Math.log(z);
                    assertEquals(hand, j.get("chosen_token_logps").get(0).asDouble(), 1e-4, "first chosen token by hand");
                    assertTrue(hand < 0);
                }
            }
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static double sum(JsonNode array) {
        double s = 0;
        for (JsonNode v : array) {
            s += v.asDouble();
        }
        return s;
    }
}
