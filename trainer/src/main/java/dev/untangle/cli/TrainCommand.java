package dev.untangle.cli;

import dev.untangle.events.EventSink;
import dev.untangle.events.JsonlEventFile;
import dev.untangle.preference.ControlSource;
import dev.untangle.preference.PreferenceTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** ./untangle train: preference training with the probe, step events to a JSONL file (no Kafka needed). */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Preference training with the gradient-entanglement probe; writes one JSON step event per line.")
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    PreferenceOptions preference;

    @Option(names = "--data", required = true, description = "preference pairs (.jsonl/.gz: HH-RLHF, prompt/chosen/rejected, OpenAI)")
    Path data;

    @Option(names = "--init", description = "SFT model folder (also the frozen reference); not needed with --resume")
    Path init;

    @Option(names = "--out", defaultValue = "runs/train", description = "run folder for checkpoints (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--events", description = "step/eval events JSONL (default: <out>/events.jsonl)")
    Path events;

    @Option(names = "--run-id", defaultValue = "train", description = "run id in events and metrics (default: ${DEFAULT-VALUE})")
    String runId;

    @Option(names = "--resume", description = "continue from the latest checkpoint in --out (events are appended)")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        Path eventsFile = events != null ? events : out.resolve("events.jsonl");
        try (EventSink sink = new JsonlEventFile(eventsFile, resume)) {
            PreferenceTrainer.Summary s = PreferenceJob.run(runId, data, init, out, resume, common, preference, sink,
                    state -> ControlSource.NONE);
            System.out.println("events: " + eventsFile);
            return s.stopReason() == null ? 0 : 3;
        }
    }
}
