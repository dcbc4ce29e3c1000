package dev.untangle.reliability;

import ai.djl.ndarray.NDManager;
import dev.untangle.checkpoint.CheckpointStore;
import dev.untangle.checkpoint.Checkpoints;
import dev.untangle.checkpoint.TrainingState;
import dev.untangle.cli.Main;
import dev.untangle.metrics.MetricNames;
import dev.untangle.model.GptWeights;
import dev.untangle.monitor.Replay;
import dev.untangle.monitor.ReplayResult;
import dev.untangle.wire.StepEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6, the trainer killed with SIGKILL: `untangle train` runs as a child JVM and is killed twice
 * mid-step and twice while a checkpoint is half written (a test-only system property makes the
 * checkpoint writer pause between the model files and the optimizer/state files). After every kill
 * the {@code latest} pointer names a complete checkpoint that loads, a partial folder is never taken,
 * --resume continues, and every step event written by any attempt matches the uninterrupted run's event
 * of that step (see the note on cross-process reproducibility below). The monitor, fed all attempts'
 * events, counts each step once.
 */
class SigkillResumeTest {
    private static final int STEPS = 10;
    private static final long PAUSE_MS = 20_000; // long: the kill comes as soon as the partial folder appears, even on a loaded machine

    @TempDir
    Path dir;

    @Test
    void killedMidStepAndMidCheckpointResumesWithIdenticalLossesAndTheMonitorCountsEachStepOnce() throws Exception {
        Path data = RunFixture.writePairs(dir.resolve("pairs.jsonl"), 40, 9, false);
        Path init = RunFixture.tinySft(data, dir.resolve("sft"));
        assertEquals(0, RunFixture.cli(RunFixture.train(data, init, dir.resolve("straight"), STEPS).toArray(String[]::new)).exitCode());
        Map<Long, StepEvent> straight = new TreeMap<>();
        RunFixture.steps(dir.resolve("straight/events.jsonl")).forEach(e -> straight.put(e.step(), e));
        assertEquals(STEPS, straight.size());

        Path run = dir.resolve("killed");
        Path events = run.resolve("events.jsonl");
        CheckpointStore store = new CheckpointStore(run.resolve("checkpoints"), 3);
        int kills = 0;
        int resumes = 0;
        // 1) mid-step: fresh run, killed once three steps are out
        Process p = child(data, init, run, false, false);
        awaitOrKill(p, () -> stepLines(events) >= 3);
        kill(p);
        kills++;
        assertLatestIsComplete(store, null, Optional.empty());
        // 2) mid-checkpoint-write: resumed, killed while the next checkpoint folder is partial. A kill
        // mid-step may already have left a partial folder (even one with its state, if it landed between
        // the state file and the rename): only a folder that appears now counts.
        Optional<Path> before = store.latest();
        Set<Path> leftovers = partialFolders(store);
        p = child(data, init, run, true, true);
        resumes++;
        awaitOrKill(p, () -> newPartialFolder(store, leftovers).isPresent());
        kill(p);
        kills++;
        assertLatestIsComplete(store, before.orElse(null), newPartialFolder(store, leftovers));
        // 3) mid-step again, further along
        int linesBefore = stepLines(events);
        p = child(data, init, run, true, false);
        resumes++;
        awaitOrKill(p, () -> stepLines(events) >= linesBefore + 4);
        kill(p);
        kills++;
        assertLatestIsComplete(store, null, Optional.empty());
        // 4) mid-checkpoint-write again
        before = store.latest();
        Set<Path> leftoversAgain = partialFolders(store);
        p = child(data, init, run, true, true);
        resumes++;
        awaitOrKill(p, () -> newPartialFolder(store, leftoversAgain).isPresent());
        kill(p);
        kills++;
        assertLatestIsComplete(store, before.orElse(null), newPartialFolder(store, leftoversAgain));
        // 5) resume in-process to the end
        List<String> finish = new ArrayList<>(RunFixture.train(data, init, run, STEPS));
        finish.add("--resume");
        RunFixture.Cli last = RunFixture.cli(finish.toArray(String[]::new));
        resumes++;
        assertEquals(0, last.exitCode(), last.out() + last.err());
        assertEquals(STEPS, Checkpoints.readState(store.latest().orElseThrow()).step());
        assertTrue(partialFolder(store).isEmpty(), "partial folders are cleaned by the next complete save");

        List<StepEvent> all = RunFixture.steps(events);
        assertTrue(all.size() > STEPS, "re-sent steps after resume: " + all.size() + " events for " + STEPS + " steps");
        // Within one process resume is bit-exact (ResumeBitExactTest). Across processes libtorch's CPU
        // backward is not always bit-reproducible (seen once: grad_inner_product 0.37682496 vs 0.37683594
        // at step 3 of a fresh, never-killed child, loss and log-probs still identical), so attempts in
        // child JVMs are held to a relative 1e-3 and the largest deviation is reported.
        double worst = 0;
        int exact = 0;
        for (StepEvent e : all) {
            StepEvent s = straight.get(e.step());
            double d = Math.max(relative(s.loss(), e.loss()), Math.max(relative(s.logpsChosen(), e.logpsChosen()),
                    Math.max(relative(s.logpsRejected(), e.logpsRejected()), relative(s.gradInnerProduct(), e.gradInnerProduct()))));
            assertTrue(d < 1e-3, "step " + e.step() + " deviates by " + d + " from the uninterrupted run");
            assertEquals(s.lossType(), e.lossType());
            worst = Math.max(worst, d);
            exact += d == 0 ? 1 : 0;
        }

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ReplayResult replay = Replay.run(Replay.Options.of(events).withRegistry(registry)
                .withOut(new PrintStream(PrintStream.nullOutputStream())));
        assertEquals(all.size(), replay.parsedLines() - evalAndAckLines(events));
        double counted = registry.find(MetricNames.MONITOR_EVENTS).counters().stream().mapToDouble(Counter::count).sum();
        double duplicates = registry.find(MetricNames.MONITOR_DUPLICATES).counters().stream().mapToDouble(Counter::count).sum();
        assertEquals(STEPS, counted, "each step counted once by the monitor");
        assertEquals(all.size() - STEPS, duplicates, "every re-sent step recognised as a duplicate");
        System.out.printf("SIGKILL: %d kills (2 mid-step, 2 mid-checkpoint), %d resumes, %d step events for %d steps, "
                + "monitor counted %.0f, dropped %.0f duplicates; %d of %d events bit-identical to the uninterrupted run, "
                + "largest relative deviation %.2e%n", kills, resumes, all.size(), STEPS, counted, duplicates, exact, all.size(), worst);
    }

    private static double relative(Double expected, Double actual) {
        if (expected.equals(actual)) {
            return 0;
        }
        return Math.abs(expected - actual) / Math.max(Math.abs(expected), 1e-12);
    }

    private Process child(Path data, Path init, Path run, boolean resume, boolean pauseInCheckpoint) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path")));
        if (pauseInCheckpoint) {
            command.add("-Duntangle.test.checkpointPauseMs=" + PAUSE_MS);
        }
        command.add(Main.class.getName());
        command.addAll(RunFixture.train(data, init, run, STEPS));
        if (resume) {
            command.add("--resume");
        }
        File log = dir.resolve("child.log").toFile();
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
    }

    /** Waits (up to 90 s) for the condition while the child lives; fails if it exits first. */
    private void awaitOrKill(Process p, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean()) {
            if (!p.isAlive()) {
                throw new AssertionError("child exited (" + p.exitValue() + ") before the kill point:\n"
                        + Files.readString(dir.resolve("child.log")));
            }
            if (System.nanoTime() > deadline) {
                kill(p);
                throw new AssertionError("kill point not reached in 90 s:\n" + Files.readString(dir.resolve("child.log")));
            }
            Thread.sleep(20);
        }
    }

    /** SIGKILL (Process.destroyForcibly on Unix), then wait for it to be gone. */
    private static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), "exit status of a SIGKILLed JVM");
    }

    /** latest names a complete checkpoint (state + optimizer + loadable weights), never a partial folder. */
    private static void assertLatestIsComplete(CheckpointStore store, Path expected, Optional<Path> killedWrite)
            throws Exception {
        Path latest = store.latest().orElseThrow(() -> new AssertionError("no latest checkpoint after the kill"));
        if (expected != null) {
            assertEquals(expected, latest, "a kill mid-write must leave the previous checkpoint as latest");
            Path partial = killedWrite.orElseThrow(() -> new AssertionError("the kill should leave a partial folder"));
            assertNotEquals(latest, partial);
            assertFalse(Files.exists(partial.resolve(Checkpoints.STATE)), "the partial folder was killed before its state");
        }
        TrainingState state = Checkpoints.readState(latest);
        assertEquals(latest.getFileName().toString(), String.format("step-%08d", state.step()));
        assertTrue(Files.size(latest.resolve(Checkpoints.OPTIMIZER)) > 0);
        try (NDManager m = NDManager.newBaseManager()) {
            assertTrue(GptWeights.load(latest, m).config().parameterCount() > 0);
        }
    }

    private static Set<Path> partialFolders(CheckpointStore store) throws IOException {
        if (!Files.isDirectory(store.root())) {
            return Set.of();
        }
        try (Stream<Path> entries = Files.list(store.root())) {
            return entries.filter(e -> e.getFileName().toString().contains(".partial-")).collect(Collectors.toSet());
        }
    }

    /** A partial folder that was not there before (the write this child was killed in). */
    private static Optional<Path> newPartialFolder(CheckpointStore store, Set<Path> before) {
        try {
            return partialFolders(store).stream().filter(p -> !before.contains(p)).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> partialFolder(CheckpointStore store) {
        if (!Files.isDirectory(store.root())) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(store.root())) {
            return entries.filter(e -> e.getFileName().toString().contains(".partial-")).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int stepLines(Path events) {
        try {
            return Files.exists(events) ? RunFixture.steps(events).size() : 0;
        } catch (IOException e) {
            return 0; // a line being written; look again
        }
    }

    private static int evalAndAckLines(Path events) throws IOException {
        return (int) Files.readAllLines(events).stream().filter(l -> !l.isBlank() && !l.contains(StepEvent.SCHEMA)).count();
    }
}
