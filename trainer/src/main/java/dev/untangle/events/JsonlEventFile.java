package dev.untangle.events;

import dev.untangle.wire.ControlAck;
import dev.untangle.wire.EvalEvent;
import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Step, eval and ack events as JSON lines in one file (works without Kafka). Each line is flushed so a
 * killed run loses at most the line being written; on resume the file is appended to, and readers
 * deduplicate by (run_id, step) as the monitor does. Eval and ack lines carry their own schema field.
 */
public final class JsonlEventFile implements EventSink {
    private final Path path;
    private final BufferedWriter writer;

    public JsonlEventFile(Path path, boolean append) {
        this.path = path;
        try {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            writer = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open events file " + path, e);
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public void step(StepEvent event) {
        write(event);
    }

    @Override
    public void eval(EvalEvent event) {
        write(event);
    }

    @Override
    public void ack(ControlAck ack) {
        write(ack);
    }

    private synchronized void write(Object event) {
        try {
            writer.write(Json.write(event));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write events file " + path, e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close events file " + path, e);
        }
    }
}
