package dev.untangle.cli;

import dev.untangle.monitor.Replay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** ./untangle replay: feed a step-event file through the monitor and print what it decided. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Publish a step-event JSONL file to the steps topic (embedded broker by default), run the monitor over it, "
                + "print every alert and control command, then a one-line summary. Exit 0 unless the input is invalid.")
public final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--events", required = true, description = "step events, one JSON object per line (e.g. ../shared/scenarios/*.jsonl)")
    Path events;

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers; none = embedded broker")
    String bootstrapServers;

    @Option(names = "--policy", description = "policy YAML (defaults: telemetry/POLICY.md)")
    Path policy;

    @Override
    public Integer call() {
        return Replay.main(events.toString(), bootstrapServers, policy == null ? null : policy.toString());
    }
}
