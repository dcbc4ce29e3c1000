package dev.untangle.experiment;

import dev.untangle.wire.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes an experiment's results as results.md (a table people read) and results.json (the same numbers). */
public final class ResultsTable {
    private ResultsTable() {
    }

    /** The markdown table: one row per run. */
    public static String markdown(List<RunSummary> runs) {
        StringBuilder b = new StringBuilder();
        b.append("| variant | loss | steps | ideal | both_down | both_up | mean step cos | eval cos first -> last (mean)"
                + " | d chosen | d rejected | reward margin | reward acc | seconds |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (RunSummary r : runs) {
            b.append(String.format(Locale.ROOT,
                    "| %s | %s | %d | %.2f | %.2f | %.2f | %+.3f | %+.3f -> %+.3f (%+.3f) | %+.3f | %+.3f | %.3f | %.2f | %.0f |%n",
                    r.variant(), r.lossType(), r.steps(), r.fractionIdeal(), r.fractionBothDown(), r.fractionBothUp(),
                    r.meanStepCosine(), r.evalCosineFirst(), r.evalCosineLast(), r.evalCosineMean(), r.deltaChosen(),
                    r.deltaRejected(), r.finalRewardsMargin(), r.finalRewardsAccuracy(), r.seconds()));
        }
        return b.toString();
    }

    /** The column legend printed under every table. */
    public static String legend(int evalPairs) {
        return """
                Columns: ideal / both_down / both_up = fraction of probe steps in each case (batch form, DESIGN.md \
                section 1); mean step cos = mean batch-gradient cosine cos(G_w, G_l); eval cos = mean per-pair \
                cosine cos(g_w, g_l) on the fixed eval subset of %d pairs (the paper's protocol) at the first \
                eval (the SFT model), the last, and averaged over all evals; d chosen / d rejected = change of the \
                eval mean summed log-probs from the first eval to the last; reward margin / acc = mean of the \
                last %d steps' rewards_margin and rewards_accuracy (beta * (policy - reference) as TRL logs them).
                """.formatted(evalPairs, RunSummary.TAIL_STEPS);
    }

    public static void write(Path dir, String title, String preamble, Map<String, Object> settings,
                             List<RunSummary> runs, List<String> findings, int evalPairs) throws IOException {
        Files.createDirectories(dir);
        StringBuilder md = new StringBuilder("# ").append(title).append("\n\n").append(preamble).append("\n\n");
        md.append(markdown(runs)).append('\n').append(legend(evalPairs)).append('\n');
        if (!findings.isEmpty()) {
            md.append("## What we measure\n\n");
            for (String f : findings) {
                md.append("- ").append(f).append('\n');
            }
            md.append('\n');
        }
        md.append("## Eval cosine over training\n\n");
        for (RunSummary r : runs) {
            md.append("- ").append(r.variant()).append(": ");
            for (int i = 0; i < r.evalSteps().size(); i++) {
                md.append(String.format(Locale.ROOT, "%s%d: %+.3f", i == 0 ? "" : ", ", r.evalSteps().get(i),
                        r.evalCosines().get(i)));
            }
            md.append('\n');
        }
        md.append("\nSettings: `").append(Json.MAPPER.writeValueAsString(settings)).append("`\n");
        Files.writeString(dir.resolve("results.md"), md.toString());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("title", title);
        json.put("settings", settings);
        json.put("runs", runs);
        json.put("findings", findings);
        Files.writeString(dir.resolve("results.json"),
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json));
    }
}
