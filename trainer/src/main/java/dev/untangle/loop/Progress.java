package dev.untangle.loop;

import java.io.PrintStream;
import java.time.Duration;

/**
 * A one-line progress display: rewritten in place on a terminal, one line every {@code everySteps}
 * steps (and at the end) when output goes to a file or a pipe, so CI logs stay short.
 */
public final class Progress {
    private final PrintStream out;
    private final String label;
    private final long totalSteps;
    private final boolean interactive;
    private final long everySteps;
    private final long startNanos = System.nanoTime();
    private long firstStep = -1;
    private int lastLength;

    public Progress(PrintStream out, String label, long totalSteps) {
        this.out = out;
        this.label = label;
        this.totalSteps = totalSteps;
        this.interactive = System.console() != null;
        this.everySteps = Math.max(1, totalSteps / 20);
    }

    /** @param step the step just finished (0-based); {@code detail} is appended as is */
    public void update(long step, double tokensPerSecond, String detail) {
        if (firstStep < 0) {
            firstStep = step;
        }
        long done = step + 1;
        boolean last = done >= totalSteps;
        if (!interactive && !last && done % everySteps != 0) {
            return;
        }
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        long stepsHere = done - firstStep;
        double eta = stepsHere > 0 ? elapsed / stepsHere * (totalSteps - done) : Double.NaN;
        int percent = (int) (100.0 * done / Math.max(1, totalSteps));
        int filled = percent / 5;
        String bar = "#".repeat(filled) + ".".repeat(20 - filled);
        String line = String.format("%s [%s] %d/%d %s | %.0f tok/s | ETA %s", label, bar, done, totalSteps, detail,
                tokensPerSecond, format(eta));
        if (interactive) {
            String pad = line.length() < lastLength ? " ".repeat(lastLength - line.length()) : "";
            out.print("\r" + line + pad);
            lastLength = line.length();
            if (last) {
                out.println();
            }
        } else {
            out.println(line);
        }
        out.flush();
    }

    private static String format(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "--";
        }
        Duration d = Duration.ofSeconds(Math.round(seconds));
        return d.toHours() > 0 ? String.format("%dh%02dm", d.toHours(), d.toMinutesPart())
                : String.format("%dm%02ds", d.toMinutes(), d.toSecondsPart());
    }
}
