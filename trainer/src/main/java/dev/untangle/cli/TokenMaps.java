package dev.untangle.cli;

import ai.djl.ndarray.NDManager;
import dev.untangle.data.EncodedPair;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptWeights;
import dev.untangle.tokenizer.Gpt2Tokenizer;
import dev.untangle.tokenmap.Heatmap;
import dev.untangle.tokenmap.TokenMap;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Token maps of the first held-out pairs under the final model, for the report `run` leaves behind:
 * one CSV of token-gradient cosines (all parameters) per pair, first 32 tokens of each response.
 */
final class TokenMaps {
    private static final int MAX_TOKENS = 32;

    private TokenMaps() {
    }

    /** Returns the folder of CSVs, or null (with a line saying why) when they could not be made. */
    static Path forReport(Path trainRun, Path data, CommonOptions common, Path outDir, int pairs) {
        try {
            Path modelDir = Setup.modelDir(trainRun);
            try (NDManager root = NDManager.newBaseManager(Setup.device(common.device));
                 Gpt2Tokenizer tokenizer = Setup.tokenizer(modelDir, common.tokenizer, common.vocabSize)) {
                Setup.Pairs encoded = Setup.pairs(data, common.badRecordPolicy(), tokenizer, common.maxLength,
                        common.heldOut, common.seed, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
                Gpt model = GptWeights.load(modelDir, root);
                Files.createDirectories(outDir);
                List<EncodedPair> chosen = encoded.heldOut().subList(0, Math.min(pairs, encoded.heldOut().size()));
                for (int i = 0; i < chosen.size(); i++) {
                    TokenMap map = TokenMap.of(model, chosen.get(i), tokenizer.endOfTextId(), MAX_TOKENS, root);
                    Heatmap.csv(outDir.resolve(String.format("held-out-pair-%d-full-cosine.csv", i)),
                            TokenmapCommand.labels(map.chosenTokens(), tokenizer),
                            TokenmapCommand.labels(map.rejectedTokens(), tokenizer), map.fullCosine());
                }
                return outDir;
            }
        } catch (Exception e) {
            System.out.println("tokenmaps: not made (" + e.getMessage() + ")");
            return null;
        }
    }
}
