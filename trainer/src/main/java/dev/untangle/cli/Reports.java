package dev.untangle.cli;

import dev.untangle.report.ReportOptions;
import dev.untangle.report.ReportWriter;

import java.nio.file.Path;

/** The report `run` leaves behind; a failure to draw it never fails the run that produced the data. */
final class Reports {
    private Reports() {
    }

    static Path write(Path events, Path alerts, Path tokenMaps, Path outDir, String title) {
        try {
            return ReportWriter.write(events, outDir, new ReportOptions(title, alerts, tokenMaps));
        } catch (RuntimeException e) {
            System.out.println("report: not written (" + e.getMessage() + "); events are in " + events);
            return null;
        }
    }
}
