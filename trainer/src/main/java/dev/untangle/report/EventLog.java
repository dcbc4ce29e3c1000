package dev.untangle.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.untangle.wire.Alert;
import dev.untangle.wire.ControlAck;
import dev.untangle.wire.EvalEvent;
import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a run's events file says, read leniently: the JSONL written by the trainer (step, eval and
 * control-ack lines, each with its own schema field) plus alert lines, from the same file or a separate
 * one. A resumed run appends, so step and eval lines are deduplicated by (run_id, step), the last line
 * winning, as the monitor does (DESIGN.md section 2). A line that cannot be read is counted with its
 * file and line number instead of stopping the report; only a missing or empty events file is an error.
 */
public record EventLog(List<StepEvent> steps, List<EvalEvent> evals, List<ControlAck> acks, List<Alert> alerts,
                       List<String> badLines, int replacedLines) {

    /** Reads the events file and, when {@code alertsFile} is not null, the alert lines of that file. */
    public static EventLog read(Path eventsFile, Path alertsFile) {
        Reader reader = new Reader();
        if (!Files.isRegularFile(eventsFile)) {
            throw new IllegalArgumentException("events file not found: " + eventsFile);
        }
        int lines = reader.read(eventsFile);
        if (lines == 0) {
            throw new IllegalArgumentException("events file is empty: " + eventsFile);
        }
        if (alertsFile != null) {
            if (!Files.isRegularFile(alertsFile)) {
                throw new IllegalArgumentException("alerts file not found: " + alertsFile);
            }
            reader.read(alertsFile);
        }
        return reader.log();
    }

    /** Accumulates lines of one or more files; one owner of the dedup maps. */
    private static final class Reader {
        private final Map<String, StepEvent> steps = new LinkedHashMap<>();
        private final Map<String, EvalEvent> evals = new LinkedHashMap<>();
        private final List<ControlAck> acks = new ArrayList<>();
        private final List<Alert> alerts = new ArrayList<>();
        private final List<String> badLines = new ArrayList<>();
        private int replaced;

        /** Returns the number of non-blank lines. */
        int read(Path file) {
            int nonBlank = 0;
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                int number = 0;
                while ((line = in.readLine()) != null) {
                    number++;
                    if (line.isBlank()) {
                        continue;
                    }
                    nonBlank++;
                    try {
                        accept(line);
                    } catch (IOException | RuntimeException e) {
                        badLines.add(file.getFileName() + ":" + number + ": " + firstLine(e));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            return nonBlank;
        }

        private void accept(String line) throws IOException {
            JsonNode node = Json.MAPPER.readTree(line);
            String schema = node.path("schema").asText("");
            switch (schema) {
                case StepEvent.SCHEMA -> {
                    StepEvent e = Json.MAPPER.treeToValue(node, StepEvent.class);
                    if (steps.put(key(e.runId(), e.step()), e) != null) {
                        replaced++;
                    }
                }
                case EvalEvent.SCHEMA -> {
                    EvalEvent e = Json.MAPPER.treeToValue(node, EvalEvent.class);
                    if (evals.put(key(e.runId(), e.step()), e) != null) {
                        replaced++;
                    }
                }
                case ControlAck.SCHEMA -> acks.add(Json.MAPPER.treeToValue(node, ControlAck.class));
                case Alert.SCHEMA -> alerts.add(Json.MAPPER.treeToValue(node, Alert.class));
                default -> throw new IllegalArgumentException(schema.isEmpty()
                        ? "field schema missing" : "field schema: unknown value " + schema);
            }
        }

        EventLog log() {
            List<StepEvent> s = new ArrayList<>(steps.values());
            s.sort(Comparator.comparingLong(StepEvent::step));
            List<EvalEvent> e = new ArrayList<>(evals.values());
            e.sort(Comparator.comparingLong(EvalEvent::step));
            acks.sort(Comparator.comparingLong(ControlAck::step));
            alerts.sort(Comparator.comparingLong(Alert::step));
            return new EventLog(List.copyOf(s), List.copyOf(e), List.copyOf(acks), List.copyOf(alerts),
                    List.copyOf(badLines), replaced);
        }

        private static String key(String runId, long step) {
            return runId + "\u0000" + step;
        }

        private static String firstLine(Exception e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            int nl = m.indexOf('\n');
            return nl < 0 ? m : m.substring(0, nl);
        }
    }
}
