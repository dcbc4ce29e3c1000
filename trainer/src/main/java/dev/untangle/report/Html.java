package dev.untangle.report;

import java.awt.Color;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The report page: inline CSS, the numbers table, then one section per figure. No scripts. */
final class Html {
    private static final String CSS = """
            body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px auto;max-width:1140px;color:#222;background:#fff}
            h1{font-size:24px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 4px;border-bottom:1px solid #ddd;padding-bottom:3px}
            .sub{color:#666;font-size:13px} .caption{color:#444;font-size:13px;margin:2px 0 8px}
            table{border-collapse:collapse;font-size:14px;margin-top:8px} th,td{border:1px solid #ddd;padding:4px 10px;text-align:left;vertical-align:top}
            th{background:#f5f5f5;font-weight:600} img{display:block;max-width:100%;border:1px solid #eee}
            .warn{background:#fff4e5;border:1px solid #f0b56b;padding:8px 12px;font-size:13px;margin-top:12px}
            .swatch{display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;vertical-align:middle;border:1px solid #999}
            """;

    private Html() {
    }

    static String page(String title, Path events, EventLog log, RunSummary s, List<ReportWriter.Figure> figures,
                       List<String> problems) {
        StringBuilder b = new StringBuilder(1 << 16);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<style>").append(CSS).append("</style></head><body>\n");
        b.append("<h1>").append(esc(title)).append("</h1>\n<div class=\"sub\">events: ").append(esc(events.toString()))
                .append(" &middot; ").append(s.steps()).append(" steps, ").append(log.evals().size()).append(" evals, ")
                .append(log.acks().size()).append(" control acks, ").append(log.alerts().size()).append(" alert lines</div>\n");
        if (!log.badLines().isEmpty() || log.replacedLines() > 0 || !problems.isEmpty()) {
            b.append("<div class=\"warn\" id=\"warnings\">");
            if (log.replacedLines() > 0) {
                b.append(log.replacedLines()).append(" duplicate (run_id, step) line(s) replaced by a later line (resumed run).<br>");
            }
            if (!log.badLines().isEmpty()) {
                b.append(log.badLines().size()).append(" unreadable line(s) skipped:<br>");
                log.badLines().stream().limit(5).forEach(l -> b.append("&nbsp;&nbsp;").append(esc(l)).append("<br>"));
            }
            problems.forEach(p -> b.append(esc(p)).append("<br>"));
            b.append("</div>\n");
        }
        b.append("<h2 id=\"numbers\">Run numbers</h2>\n<table id=\"summary\">\n");
        rows(s, log).forEach(r -> b.append("<tr><th>").append(esc(r[0])).append("</th><td>").append(esc(r[1])).append("</td></tr>\n"));
        b.append("</table>\n<p class=\"caption\">On the step charts a dashed blue line marks a loss switch and a "
                + "dashed red line a firing alert.</p>\n");
        for (ReportWriter.Figure f : figures) {
            String caption = f.id().equals("cases") ? legend() + "<br>" + esc(f.caption()) : esc(f.caption());
            b.append("<h2 id=\"").append(f.id()).append("\">").append(esc(f.heading())).append("</h2>\n<p class=\"caption\">")
                    .append(caption).append("</p>\n<img alt=\"").append(esc(f.heading())).append("\" src=\"")
                    .append(f.dataUri()).append("\">\n");
        }
        return b.append("</body></html>\n").toString();
    }

    /** Colour swatches of the case strip, in the order of {@link RunSummary#CASES}. */
    static String legend() {
        Map<String, Color> ordered = new LinkedHashMap<>();
        RunSummary.CASES.forEach(c -> ordered.put(c, ReportWriter.CASE_COLORS.get(c)));
        ordered.put("no probe", ReportWriter.NO_PROBE);
        return ordered.entrySet().stream()
                .map(e -> "<span class=\"swatch\" style=\"background:" + ReportWriter.hex(e.getValue()) + "\"></span>" + e.getKey())
                .collect(Collectors.joining(" "));
    }

    /** Label and value of every row of the numbers table. */
    static List<String[]> rows(RunSummary s, EventLog log) {
        List<String[]> rows = new ArrayList<>();
        rows.add(row("steps", s.steps() + " (steps " + s.firstStep() + " to " + s.lastStep() + ")"));
        rows.add(row("probe steps", s.probeSteps() + " of " + s.steps()));
        for (String c : RunSummary.CASES) {
            rows.add(row("case " + c, Double.isNaN(s.fraction(c)) ? "n/a"
                    : String.format(Locale.ROOT, "%.1f%% (%d of %d)", 100 * s.fraction(c), s.caseCounts().get(c), s.probeSteps())));
        }
        rows.add(row("mean gradient cosine", fmt(s.meanCosine(), 4)));
        // Training batches differ from step to step: these rows are only a rough trend, the eval row below
        // compares the same pairs.
        rows.add(row("chosen log-prob, mean of first to last " + s.window() + " step(s) (different batches; the eval row compares the same pairs)",
                change(s.firstChosen(), s.lastChosen())));
        rows.add(row("rejected log-prob, mean of first to last " + s.window() + " step(s) (different batches)",
                change(s.firstRejected(), s.lastRejected())));
        rows.add(row("eval log-prob change (first to last eval)", s.evals() < 2 ? "n/a (" + s.evals() + " eval)" :
                "chosen " + signed(s.evalChosenChange()) + ", rejected " + signed(s.evalRejectedChange())
                        + " over " + s.evals() + " evals"));
        rows.add(row("loss switches", s.switches().isEmpty() ? "none" : s.switches().stream()
                .map(w -> w.from() + " -> " + w.to() + " at step " + w.step()).collect(Collectors.joining("; "))));
        rows.add(row("alerts by kind (firing)", s.alertsByKind().isEmpty() ? "none" : s.alertsByKind().entrySet().stream()
                .map(Map.Entry::toString).map(e -> e.replace("=", ": ")).collect(Collectors.joining(", "))));
        rows.add(row("median step seconds", fmt(s.medianStepSeconds(), 3)));
        rows.add(row("median probe seconds", fmt(s.medianProbeSeconds(), 3)));
        rows.add(row("probe step / plain step (medians after " + RunSummary.WARMUP_STEPS + " steps)",
                Double.isFinite(s.probeOverhead()) ? fmt(s.probeOverhead(), 3) + " (" + fmt(s.medianProbeStepSeconds(), 3)
                        + " s / " + fmt(s.medianPlainStepSeconds(), 3) + " s)" : "n/a (needs probe and plain steps: --probe-every 2)"));
        rows.add(row("median tokens/s", fmt(s.medianTokensPerSecond(), 1)));
        rows.add(row("unreadable lines", Integer.toString(log.badLines().size())));
        return rows;
    }

    private static String[] row(String label, String value) {
        return new String[]{label, value};
    }

    private static String change(double first, double last) {
        return fmt(first, 2) + " to " + fmt(last, 2) + " (change " + signed(last - first) + ")";
    }

    static String fmt(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "n/a";
    }

    private static String signed(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%+.2f", v) : "n/a";
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
