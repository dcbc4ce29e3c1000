package dev.untangle.checkpoint;

import ai.djl.ndarray.NDManager;
import dev.untangle.loop.Optimizer;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptWeights;
import dev.untangle.tokenizer.Gpt2Tokenizer;
import dev.untangle.wire.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A training checkpoint folder: model.safetensors + config.json (GPT-2 names and layouts),
 * tokenizer.json, optimizer.safetensors and state.json. The same folder is a valid --init for the next
 * stage: a reader that only wants the model ignores the rest.
 */
public final class Checkpoints {
    public static final String STATE = "state.json";
    public static final String OPTIMIZER = "optimizer.safetensors";
    /**
     * Test hook (milliseconds, unset in production): pause between the model files and the optimizer
     * and state files, so a crash test can SIGKILL the process while a checkpoint is half written.
     */
    static final String PAUSE_PROPERTY = "untangle.test.checkpointPauseMs";

    private Checkpoints() {
    }

    public static Path save(CheckpointStore store, Gpt model, Gpt2Tokenizer tokenizer, Optimizer optimizer,
                            TrainingState state) throws IOException {
        return save(store, model, tokenizer, optimizer, state, null);
    }

    /**
     * As above, with {@code extra} (may be null) writing further files into the same folder before state.json, so
     * they are part of the same atomic checkpoint (e.g. spo's learned mask head).
     */
    public static Path save(CheckpointStore store, Gpt model, Gpt2Tokenizer tokenizer, Optimizer optimizer,
                            TrainingState state, CheckpointStore.Writer extra) throws IOException {
        return store.save(state.step(), dir -> {
            GptWeights.save(model, dir);
            pauseForCrashTest();
            tokenizer.save(dir);
            try (OutputStream out = Files.newOutputStream(dir.resolve(OPTIMIZER))) {
                optimizer.save(out);
            }
            if (extra != null) {
                extra.writeInto(dir);
            }
            Files.writeString(dir.resolve(STATE), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(state));
        });
    }

    private static void pauseForCrashTest() throws IOException {
        long millis = Long.getLong(PAUSE_PROPERTY, 0L);
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while writing a checkpoint", e);
            }
        }
    }

    public static TrainingState readState(Path dir) throws IOException {
        Path file = dir.resolve(STATE);
        if (!Files.exists(file)) {
            throw new IOException(file + ": missing; " + dir + " is a model folder, not a training checkpoint");
        }
        return Json.MAPPER.readValue(file.toFile(), TrainingState.class);
    }

    public static void loadOptimizer(Path dir, Optimizer optimizer) throws IOException {
        try (InputStream in = Files.newInputStream(dir.resolve(OPTIMIZER))) {
            optimizer.load(in);
        }
    }

    public static Gpt loadModel(Path dir, NDManager manager) throws IOException {
        return GptWeights.load(dir, manager);
    }
}
