package dev.untangle.report;

import java.nio.file.Path;

/**
 * What a report shows besides the events file.
 *
 * @param title     page title; null for "untangle run &lt;run ids&gt;"
 * @param alerts    an extra JSONL file of untangle.alert.v1 lines (the monitor's output); null if none
 * @param tokenMaps a folder of token-gradient cosine maps (*.csv) to draw as heatmaps; null if none
 */
public record ReportOptions(String title, Path alerts, Path tokenMaps) {

    public static ReportOptions defaults() {
        return new ReportOptions(null, null, null);
    }
}
