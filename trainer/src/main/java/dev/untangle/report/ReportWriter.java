package dev.untangle.report;

import dev.untangle.wire.Alert;
import dev.untangle.wire.EvalEvent;
import dev.untangle.wire.StepEvent;
import org.jfree.chart.JFreeChart;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes a run report: one self-contained {@code index.html} (charts embedded as data: URIs, inline CSS,
 * no scripts, no external resources) plus the same charts as PNG files beside it. Used by
 * {@code ./untangle report} and at the end of {@code run}.
 */
public final class ReportWriter {
    static final int WIDTH = 1100;
    /** Condition-ratio axis: ratios are ip/||g||^2 and explode when a norm is near 0, so the axis is fixed. */
    static final double RATIO_LOW = -2;
    static final double RATIO_HIGH = 3;
    static final Map<String, Color> CASE_COLORS = Map.of(
            "ideal", new Color(0x1a9850), "both_down", new Color(0xd73027),
            "both_up", new Color(0xfdae61), "undefined", new Color(0x555555));
    static final Color NO_PROBE = new Color(0xe6e6e6);

    static {
        // Reports are rendered on servers and in CI: never reach for a display.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private ReportWriter() {
    }

    /** Renders the report of {@code events} into {@code outDir} and returns the path of index.html. */
    public static Path write(Path events, Path outDir, ReportOptions options) {
        EventLog log = EventLog.read(events, options.alerts());
        RunSummary summary = RunSummary.of(log);
        List<Figure> figures = new ArrayList<>();
        List<Charts.Marker> markers = markers(summary, log.alerts());
        List<StepEvent> steps = log.steps();
        List<EvalEvent> evals = log.evals();

        figures.add(new Figure("logprobs", "Chosen and rejected log-probabilities",
                "Batch means of summed response log-probs per step (top) and on the fixed eval subset (bottom): "
                        + "the chosen curve falling while the margin grows is the entanglement failure.",
                Charts.timeSeries("Log-probabilities (training batches and eval set)", List.of(
                        new Charts.Panel("train log-prob", List.of(
                                Charts.Line.of("chosen (batch)", Charts.CHOSEN, steps, StepEvent::step, StepEvent::logpsChosen),
                                Charts.Line.of("rejected (batch)", Charts.REJECTED, steps, StepEvent::step, StepEvent::logpsRejected))),
                        new Charts.Panel("eval log-prob", List.of(
                                Charts.Line.of("chosen (eval)", Charts.CHOSEN.darker(), evals, EvalEvent::step, EvalEvent::logpsChosen),
                                Charts.Line.of("rejected (eval)", Charts.REJECTED.darker(), evals, EvalEvent::step, EvalEvent::logpsRejected)))),
                        markers), WIDTH, 600));
        figures.add(new Figure("margin", "Reward margin and accuracy",
                "rewards_margin = beta*(chosen - rejected, policy minus reference) and the fraction of pairs with a positive margin.",
                Charts.timeSeries("Reward margin and accuracy", List.of(
                        new Charts.Panel("margin", List.of(Charts.Line.of("rewards margin", Charts.THIRD, steps, StepEvent::step, StepEvent::rewardsMargin))),
                        new Charts.Panel("accuracy", List.of(Charts.Line.of("reward accuracy", Charts.CHOSEN, steps, StepEvent::step, StepEvent::rewardsAccuracy)))),
                        markers), WIDTH, 480));
        figures.add(new Figure("cosine", "Gradient cosine",
                "cos(g_w, g_l) of the loss-weighted chosen and rejected gradients on each probe step (DESIGN.md section 1).",
                Charts.timeSeries("Gradient cosine per probe step", List.of(
                        new Charts.Panel("cosine", List.of(Charts.Line.of("grad cosine", Charts.THIRD, steps, StepEvent::step, StepEvent::gradCosine)))),
                        markers), WIDTH, 320));
        Charts.Panel ratios = new Charts.Panel("ratio", List.of(
                Charts.Line.of("ratio_chosen", Charts.CHOSEN, steps, StepEvent::step, StepEvent::ratioChosen),
                Charts.Line.of("ratio_rejected", Charts.REJECTED, steps, StepEvent::step, StepEvent::ratioRejected)),
                RATIO_LOW, RATIO_HIGH, 1.0);
        figures.add(new Figure("ratios", "Condition ratios",
                String.format(Locale.ROOT, "ratio = ip/||g||^2 per side; above the 1.0 line that side moves the wrong way. "
                        + "Linear axis fixed to [%s, %s] (ratios explode as a norm nears 0 and go negative with the cosine); "
                        + "%d point(s) beyond it are pinned to the edge.", RATIO_LOW, RATIO_HIGH, ratios.clipped()),
                Charts.timeSeries("Entanglement condition ratios", List.of(ratios), markers), WIDTH, 360));
        figures.add(new Figure("cases", "Case of every step",
                "One column per step, coloured by the probe's case (DESIGN.md section 1); steps without a probe are light grey.",
                caseStrip(summary, steps)));
        figures.add(new Figure("predicted", "Predicted vs measured change",
                "First-order prediction <g, theta_after - theta_before> against the change measured by re-scoring the "
                        + "same batch after the step; points on the grey y = x line are predicted exactly.",
                Charts.scatter("Predicted vs measured log-prob change", "predicted change", "measured change", List.of(
                        Charts.Line.of("chosen", Charts.CHOSEN, steps, e -> RunSummary.value(e.predictedDeltaChosen()), StepEvent::measuredDeltaChosen),
                        Charts.Line.of("rejected", Charts.REJECTED, steps, e -> RunSummary.value(e.predictedDeltaRejected()), StepEvent::measuredDeltaRejected))),
                WIDTH * 6 / 10, 520));
        List<String> problems = new ArrayList<>();
        for (TokenMap map : tokenMaps(options.tokenMaps(), problems)) {
            int width = Math.max(520, Math.min(1400, 240 + 16 * map.rejected().size()));
            int height = Math.max(420, Math.min(1400, 200 + 16 * map.chosen().size()));
            figures.add(new Figure("tokenmap-" + safe(map.name()), "Token map " + map.name(),
                    "Cosine between token gradients, chosen tokens (rows) by rejected tokens (columns); red = aligned "
                            + "(entangled), blue = opposed, white = orthogonal.",
                    Charts.heatmap(map.name(), map), width, height));
        }

        try {
            Files.createDirectories(outDir);
            for (Figure f : figures) {
                Files.write(outDir.resolve(f.file()), f.png());
            }
            Path index = outDir.resolve("index.html");
            Files.writeString(index, Html.page(title(options, steps), events, log, summary, figures, problems), StandardCharsets.UTF_8);
            return index;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write report to " + outDir, e);
        }
    }

    /** A chart on the page: its PNG file name, heading, one-line caption and the encoded image. */
    record Figure(String id, String heading, String caption, byte[] png) {
        Figure(String id, String heading, String caption, JFreeChart chart, int width, int height) {
            this(id, heading, caption, chart.createBufferedImage(width, height));
        }

        Figure(String id, String heading, String caption, BufferedImage image) {
            this(id, heading, caption, encode(image));
        }

        String file() {
            return id + ".png";
        }

        String dataUri() {
            return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
        }
    }

    static List<Charts.Marker> markers(RunSummary summary, List<Alert> alerts) {
        List<Charts.Marker> markers = new ArrayList<>();
        for (RunSummary.Switch s : summary.switches()) {
            markers.add(new Charts.Marker(s.step(), "switch -> " + s.to(), Charts.SWITCH));
        }
        for (Alert a : alerts) {
            if (a.state() == null || "firing".equals(a.state())) {
                markers.add(new Charts.Marker(a.step(), "alert " + a.kind(), Charts.ALERT));
            }
        }
        markers.sort((a, b) -> Double.compare(a.step(), b.step()));
        return markers;
    }

    private static BufferedImage caseStrip(RunSummary summary, List<StepEvent> steps) {
        Map<Long, String> cases = new TreeMap<>();
        for (StepEvent e : steps) {
            if (e.caseLabel() != null) {
                cases.put(e.step(), e.caseLabel());
            }
        }
        return Charts.caseStrip(cases, summary.firstStep(), summary.lastStep(), CASE_COLORS, NO_PROBE, WIDTH, 80);
    }

    static String hex(Color c) {
        return String.format(Locale.ROOT, "#%02x%02x%02x", c.getRed(), c.getGreen(), c.getBlue());
    }

    /** Reads every *.csv map; a broken map is named in {@code problems} and left out, not fatal to the report. */
    private static List<TokenMap> tokenMaps(Path dir, List<String> problems) {
        if (dir == null) {
            return List.of();
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("token map folder not found: " + dir);
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<TokenMap> maps = new ArrayList<>();
            for (Path file : files.filter(p -> p.getFileName().toString().endsWith(".csv")).sorted().toList()) {
                try {
                    maps.add(TokenMap.read(file));
                } catch (IllegalArgumentException | UncheckedIOException e) {
                    problems.add("token map skipped: " + e.getMessage());
                }
            }
            return maps;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static String title(ReportOptions options, List<StepEvent> steps) {
        if (options.title() != null && !options.title().isBlank()) {
            return options.title();
        }
        String runs = steps.stream().map(StepEvent::runId).distinct().collect(Collectors.joining(", "));
        return "untangle run " + (runs.isEmpty() ? "(no steps)" : runs);
    }

    private static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static byte[] encode(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode PNG", e);
        }
        return out.toByteArray();
    }
}
