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
import dev.untangle.tokenmap.Heatmap;
import dev.untangle.tokenmap.TokenMap;
import dev.untangle.wire.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** ./untangle tokenmap: the chosen x rejected matrix of token-gradient cosines of one pair, CSV and PNG. */
@Command(name = "tokenmap", mixinStandardHelpOptions = true,
        description = "Token map of one pair: cosines between the gradients of every chosen and every rejected response "
                + "token (full parameters, one backward per token) and the head-only closed form; CSV + PNG heatmaps.")
public final class TokenmapCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--init", required = true, description = "model folder (or run folder: its latest checkpoint)")
    Path init;

    @Option(names = "--data", required = true, description = "preference pairs (.jsonl/.gz)")
    Path data;

    @Option(names = "--pair", defaultValue = "0", description = "0-based index of the pair in the file (default: ${DEFAULT-VALUE})")
    int pair;

    @Option(names = "--out", required = true, description = "output folder")
    Path out;

    @Option(names = "--max-tokens", defaultValue = "48",
            description = "map at most the first N tokens of each response (one backward each) (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Override
    public Integer call() throws Exception {
        Path modelDir = Setup.modelDir(init);
        try (NDManager root = NDManager.newBaseManager(Setup.device(common.device));
             Gpt2Tokenizer tok = Setup.tokenizer(modelDir, common.tokenizer, common.vocabSize)) {
            PreferenceData read = new PreferenceReader(common.badRecordPolicy()).read(data);
            if (pair < 0 || pair >= read.pairs().size()) {
                throw new IllegalArgumentException("--pair " + pair + ": " + data + " has " + read.pairs().size()
                        + " pairs (0-based index)");
            }
            EncodedPair encoded = new PairEncoder(tok, common.maxLength).encode(read.pairs().get(pair));
            Gpt model = GptWeights.load(modelDir, root);
            TokenMap map = TokenMap.of(model, encoded, tok.endOfTextId(), maxTokens, root);
            write(out, map, tok, model.config().tiedHead(), "pair " + pair + " (" + encoded.source() + ":" + encoded.line() + ")");
            System.out.printf("tokenmap: pair %d, %d x %d tokens mapped (of %d x %d); mean full cosine %+.3f, mean head "
                            + "cosine %+.3f -> %s%n", pair, map.chosenTokens().length, map.rejectedTokens().length,
                    map.chosenLength(), map.rejectedLength(), mean(map.fullCosine()), mean(map.headCosine()), out);
            return 0;
        }
    }

    /** Writes the CSV matrices, PNG heatmaps and a summary.json into {@code dir}. */
    static void write(Path dir, TokenMap map, Gpt2Tokenizer tok, boolean tiedHead, String what) throws Exception {
        Files.createDirectories(dir);
        List<String> rows = labels(map.chosenTokens(), tok);
        List<String> columns = labels(map.rejectedTokens(), tok);
        Heatmap.csv(dir.resolve("full-cosine.csv"), rows, columns, map.fullCosine());
        Heatmap.csv(dir.resolve("head-cosine.csv"), rows, columns, map.headCosine());
        Heatmap.csv(dir.resolve("full-inner-product.csv"), rows, columns, map.fullInner());
        Heatmap.csv(dir.resolve("head-inner-product.csv"), rows, columns, map.headInner());
        Heatmap.png(dir.resolve("full-cosine.png"), "token-gradient cosine, all parameters: " + what, rows, columns,
                map.fullCosine());
        Heatmap.png(dir.resolve("head-cosine.png"), "token-gradient cosine, head only (closed form)"
                + (tiedHead ? ", tied head: head part only" : "") + ": " + what, rows, columns, map.headCosine());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("pair", what);
        summary.put("chosen_tokens_mapped", map.chosenTokens().length);
        summary.put("rejected_tokens_mapped", map.rejectedTokens().length);
        summary.put("chosen_tokens", map.chosenLength());
        summary.put("rejected_tokens", map.rejectedLength());
        summary.put("capped", map.chosenTokens().length < map.chosenLength()
                || map.rejectedTokens().length < map.rejectedLength());
        summary.put("tied_head", tiedHead);
        summary.put("head_note", tiedHead
                ? "the head is tied to the token embedding: the closed form is the head's contribution only"
                : "untied head: the closed form is exactly lm_head.weight's part of the gradient inner products");
        summary.put("full_inner_product_sum", TokenMap.total(map.fullInner()));
        summary.put("head_inner_product_sum", TokenMap.total(map.headInner()));
        summary.put("mean_full_cosine", mean(map.fullCosine()));
        summary.put("mean_head_cosine", mean(map.headCosine()));
        Files.writeString(dir.resolve("summary.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
    }

    static List<String> labels(int[] ids, Gpt2Tokenizer tok) {
        List<String> out = new ArrayList<>(ids.length);
        for (int k = 0; k < ids.length; k++) {
            String text = ids[k] == tok.endOfTextId() ? "<eot>" : tok.decode(new int[] {ids[k]});
            if (text.indexOf('\uFFFD') >= 0) {
                text = "[id " + ids[k] + "]"; // part of a multi-byte character: the id says more than a replacement sign
            }
            out.add(k + ":" + text.replace("\n", "\\n").replace("\r", "\\r"));
        }
        return out;
    }

    static double mean(double[][] m) {
        double sum = 0;
        int n = 0;
        for (double[] row : m) {
            for (double v : row) {
                if (Double.isFinite(v)) {
                    sum += v;
                    n++;
                }
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
