package dev.untangle.report;

import dev.untangle.cli.Main;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Renders the hand-countable {@link SyntheticRun} and checks the page's numbers, its charts and, in
 * headless Chromium, that it actually draws. The report stays in target/report-test for a person to open.
 */
class ReportWriterTest {
    static final Path OUT = Path.of("target", "report-test");
    static Path index;
    static Path maps;
    static String html;

    @BeforeAll
    static void render(@TempDir Path dir) throws IOException {
        Path events = dir.resolve("events.jsonl");
        Path alerts = dir.resolve("alerts.jsonl");
        maps = Files.createDirectories(dir.resolve("maps"));
        SyntheticRun.writeEvents(events);
        SyntheticRun.writeAlerts(alerts);
        Files.writeString(maps.resolve("pair-7.csv"), """
                chosen\\rejected,The,"cat, black",sat,"say \"\"hi\"\"",.
                The,1.0,0.2,-0.1,0.0,0.4
                dog,0.1,-0.8,0.3,0.2,0.0
                sat,-0.2,0.1,0.9,-0.5,0.1
                .,0.4,0.0,0.1,-1.0,1.0
                """);
        Files.writeString(maps.resolve("broken.csv"), "x,A\nc1,zero\n");
        index = ReportWriter.write(events, OUT, new ReportOptions("Synthetic <run>", alerts, maps));
        html = Files.readString(index, StandardCharsets.UTF_8);
    }

    @Test
    void tableHoldsTheHandCountedNumbers() {
        assertTrue(html.contains("<title>Synthetic &lt;run&gt;</title>"), "escaped title");
        // 120 unique steps although 125 step lines were written (steps 60..64 twice: the resume).
        assertRow("steps", "120 (steps 0 to 119)");
        assertRow("probe steps", "108 of 120");
        assertRow("case ideal", "57.4% (62 of 108)");
        assertRow("case both_down", "37.0% (40 of 108)");
        assertRow("case both_up", "2.8% (3 of 108)");
        assertRow("case undefined", "2.8% (3 of 108)");
        assertRow("mean gradient cosine", "0.5429");
        // window 10: chosen -100 - 0.1*4.5 and -100 - 0.1*114.5; rejected -110 - 0.5*4.5 and -110 - 0.5*114.5.
        assertRow("chosen log-prob, mean of first to last 10 step(s) (different batches; the eval row compares the same pairs)",
                "-100.45 to -111.45 (change -11.00)");
        assertRow("rejected log-prob, mean of first to last 10 step(s) (different batches)", "-112.25 to -167.25 (change -55.00)");
        assertRow("eval log-prob change (first to last eval)", "chosen -6.00, rejected -24.00 over 7 evals");
        // the loss_type change and the applied ack name the same switch; the rejected ack is no switch.
        assertRow("loss switches", "sigmoid -&gt; ipo at step 60");
        assertRow("alerts by kind (firing)", "chosen_falling: 1, high_entanglement: 1, non_finite: 1");
        // step seconds 1.0..1.4 each 24 times: the middle two are 1.2; tokens/s 1000..1119.
        assertRow("median step seconds", "1.200");
        assertRow("median probe seconds", "0.500");
        assertRow("median tokens/s", "1059.5");
        assertRow("unreadable lines", "2");
        // the resume rewrote steps 60..64 and the eval at 60: six lines replaced.
        assertTrue(html.contains("6 duplicate (run_id, step) line(s) replaced"), "resume duplicates reported");
        // 65 step lines and evals at 0, 20, 40, 60 come first, so the broken line is line 70.
        assertTrue(html.contains("events.jsonl:70: "), "bad line named by file and line");
        assertTrue(html.contains("unknown value untangle.mystery.v9"), "unknown schema named");
        assertTrue(html.contains("2 point(s) beyond it are pinned"), "ratio 250 and -7 are clipped");
        assertTrue(html.contains("token map skipped: " + Html.esc(maps.resolve("broken.csv").toString())
                + ":2: column 2 (rejected token A): not a number: zero"), "a broken map is named, not fatal");
        assertTrue(html.contains("<span class=\"swatch\" style=\"background:#d73027\"></span>both_down"), "case legend");
    }

    @Test
    void everyChartIsEmbeddedAndDecodesAtItsSize() throws IOException {
        Map<String, int[]> sizes = Map.of(
                "logprobs", new int[]{1100, 600}, "margin", new int[]{1100, 480}, "cosine", new int[]{1100, 320},
                "ratios", new int[]{1100, 360}, "cases", new int[]{1100, 80}, "predicted", new int[]{660, 520},
                "tokenmap-pair-7", new int[]{520, 420});
        for (Map.Entry<String, int[]> e : sizes.entrySet()) {
            assertTrue(html.contains("<h2 id=\"" + e.getKey() + "\">"), "section " + e.getKey());
            BufferedImage image = ImageIO.read(OUT.resolve(e.getKey() + ".png").toFile());
            assertEquals(e.getValue()[0], image.getWidth(), e.getKey() + " width");
            assertEquals(e.getValue()[1], image.getHeight(), e.getKey() + " height");
            assertTrue(distinctColours(image) > 4, e.getKey() + " draws something");
        }
        assertEquals(sizes.size(), count(html, "src=\"data:image/png;base64,"), "one embedded image per chart");
        assertFalse(html.contains("<script"), "no scripts");
        assertFalse(html.contains("http://") || html.contains("https://"), "no external resources");
    }

    @Test
    void caseStripColoursEachStepByItsCase() throws IOException {
        BufferedImage strip = ImageIO.read(OUT.resolve("cases.png").toFile());
        // the strip spans x 40..1060 for steps 0..119 (8.5 px each): sample the middle of a column.
        int y = 30;
        for (long step : List.of(0L, 9L, 15L, 20L, 40L, 41L, 118L, 119L)) {
            int x = 40 + (int) ((step + 0.5) * 1020 / 120);
            String expected = SyntheticRun.caseOf(step);
            int rgb = strip.getRGB(x, y) & 0xffffff;
            int want = (expected == null ? ReportWriter.NO_PROBE : ReportWriter.CASE_COLORS.get(expected)).getRGB() & 0xffffff;
            assertEquals(Integer.toHexString(want), Integer.toHexString(rgb), "step " + step + " (" + expected + ")");
        }
    }

    @Test
    void missingOrEmptyEventsFileIsOneClearError(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.jsonl");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportWriter.write(missing, dir.resolve("out"), ReportOptions.defaults()));
        assertEquals("events file not found: " + missing, e.getMessage());
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "\n\n");
        e = assertThrows(IllegalArgumentException.class, () -> ReportWriter.write(empty, dir.resolve("out"), ReportOptions.defaults()));
        assertEquals("events file is empty: " + empty, e.getMessage());
    }

    @Test
    void commandLineWritesTheReport(@TempDir Path dir) throws IOException {
        Path events = dir.resolve("e.jsonl");
        SyntheticRun.writeEvents(events);
        int code = new CommandLine(new Main()).execute("report", "--events", events.toString(), "--out", dir.resolve("r").toString());
        assertEquals(0, code);
        String page = Files.readString(dir.resolve("r/index.html"));
        assertTrue(page.contains("<title>untangle run synth</title>"), "default title names the run");
        assertTrue(page.contains("non_finite: 1"), "alert lines inside the events file count");
    }

    /**
     * The page as a browser draws it. In CI (CI=true) a missing Chromium is a failure; locally the test is
     * skipped. The screenshot is kept next to the report (target/report-test/screenshot.png).
     */
    @Test
    void chromiumScreenshotIsNotBlank(@TempDir Path profile) throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        if (!Files.isExecutable(chromium)) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("/usr/bin/chromium is missing: the report screenshot check needs it (CI's .ci/setup installs it)");
            }
            Assumptions.abort("no /usr/bin/chromium here; install it with apt-get install chromium to run this check");
        }
        Path shot = OUT.resolve("screenshot.png").toAbsolutePath();
        Files.deleteIfExists(shot);
        Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--screenshot=" + shot, "--window-size=1280,2400",
                index.toAbsolutePath().toUri().toString())
                .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished within 120 s");
        assertEquals(0, p.exitValue(), "chromium exit code; log in " + profile.resolve("chromium.log"));
        BufferedImage image = ImageIO.read(shot.toFile());
        assertEquals(1280, image.getWidth());
        assertEquals(2400, image.getHeight());
        long nonWhite = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                nonWhite += (image.getRGB(x, y) & 0xffffff) == 0xffffff ? 0 : 1;
            }
        }
        double fraction = nonWhite / (image.getWidth() / 2.0 * image.getHeight() / 2.0);
        assertTrue(fraction > 0.05, "non-white fraction " + fraction);
        assertTrue(distinctColours(image) > 200, "distinct colours " + distinctColours(image));
    }

    private static void assertRow(String label, String value) {
        String row = "<tr><th>" + label + "</th><td>" + value + "</td></tr>";
        assertTrue(html.contains(row), () -> "row " + row + " in\n" + html.substring(html.indexOf("<table"), html.indexOf("</table>")));
    }

    private static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
