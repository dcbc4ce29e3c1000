package dev.untangle.monitor;

import dev.untangle.wire.Alert;
import dev.untangle.wire.ControlCommand;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What a replay saw: input line counts, the runs in the file, and every alert and command the monitor
 * published about those runs (read_committed, in topic order per partition).
 */
public record ReplayResult(int lines, int parsedLines, int unparsableLines, Set<String> runIds,
                           List<Alert> alerts, List<ControlCommand> commands) {

    /** Alert transitions counted by kind (firing and resolved), sorted by kind. */
    public Map<String, Long> alertsByKind() {
        return alerts.stream().collect(Collectors.groupingBy(Alert::kind, TreeMap::new, Collectors.counting()));
    }

    public List<Alert> firing(String kind) {
        return alerts.stream().filter(a -> a.kind().equals(kind) && a.state().equals("firing")).toList();
    }

    /** The one-line summary Replay prints last. */
    public String summary() {
        return String.format("replayed %d events (%d unparsable lines) for runs %s: alerts %s, commands %d%s",
                parsedLines, unparsableLines, runIds, alertsByKind(), commands.size(),
                commands.isEmpty() ? "" : " " + commands.stream()
                        .map(c -> c.action() + "->" + c.lossType() + "@" + c.runId() + ":" + c.issuedAtStep()).toList());
    }
}
