package dev.untangle.cli;

import dev.untangle.report.ReportOptions;
import dev.untangle.report.ReportWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** ./untangle report: one self-contained HTML page with charts and the run's numbers from an events file. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Render an events JSONL file (train/run output) as a self-contained HTML report with PNG charts.")
public final class ReportCommand implements Callable<Integer> {
    @Option(names = "--events", required = true, description = "step/eval/ack events JSONL (alert lines in it are shown too)")
    Path events;

    @Option(names = "--out", required = true, description = "folder for index.html and the chart PNGs")
    Path out;

    @Option(names = "--title", description = "page title (default: untangle run <run ids>)")
    String title;

    @Option(names = "--alerts", description = "alerts JSONL (untangle.alert.v1 lines) to mark on the charts")
    Path alerts;

    @Option(names = "--tokenmaps", description = "folder of token-gradient cosine maps (*.csv) to draw as heatmaps")
    Path tokenMaps;

    @Override
    public Integer call() {
        Path index = ReportWriter.write(events, out, new ReportOptions(title, alerts, tokenMaps));
        System.out.println("report: " + index);
        return 0;
    }
}
