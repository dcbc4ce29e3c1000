package dev.untangle.reliability;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.untangle.checkpoint.CheckpointStore;
import dev.untangle.loop.Optimizer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.loss.LossConfig;
import dev.untangle.loss.Losses;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import dev.untangle.wire.Alert;
import dev.untangle.probe.PreferenceStep;
import dev.untangle.probe.StepOutcome;
import dev.untangle.wire.StepEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6, non-finite loss or gradients: the step is skipped and not applied, no weight or checkpoint
 * ever holds a NaN, the event carries the NaN so the monitor raises non_finite, and after
 * --max-bad-steps bad steps in a row the job stops naming its last good checkpoint.
 */
class NonFiniteStepTest {

    @TempDir
    Path dir;

    /** An injected NaN (a reference log-prob) makes the loss NaN: the weights stay bit-identical. */
    @Test
    void injectedNanStepLeavesEveryWeightUnchanged() {
        try (NDManager root = NDManager.newBaseManager()) {
            Gpt model = new Gpt(GptConfig.preset("tiny", 40));
            model.initialize(root, 3);
            Map<String, float[]> before = snapshot(model);
            PreferenceStep stepper = new PreferenceStep(model, new ParameterStore(root, false));
            try (Optimizer adam = Optimizer.create("adamw", 0.0, root); NDManager step = root.newSubManager()) {
                TokenBatch chosen = batch(step, new long[] {5, 6, 7, 8, 9}, 3);
                TokenBatch rejected = batch(step, new long[] {5, 6, 7, 11, 12}, 3);
                double[] poisoned = {Double.NaN};
                StepOutcome outcome = stepper.run(Losses.create("sigmoid", LossConfig.defaults()), adam, 1e-2,
                        new PreferenceStep.Inputs(chosen, rejected, poisoned, new double[] {-10.0}, null, null),
                        true, true, false, step);
                assertFalse(outcome.applied(), "a NaN loss must not be applied");
                assertTrue(Double.isNaN(outcome.loss()), "the outcome reports the NaN loss, got " + outcome.loss());
                assertTrue(outcome.skipReason() != null && !outcome.skipReason().isBlank());
            }
            Map<String, float[]> after = snapshot(model);
            assertEquals(before.keySet(), after.keySet());
            for (String name : before.keySet()) {
                assertArrayEquals(before.get(name), after.get(name), 0f, name + " changed by a skipped step");
            }
        }
    }

    /**
     * A real run: 2 good steps (checkpoint step-2), then resumed with lr 1e30, which blows the weights
     * up so every later step is NaN. Expected: exit status 3, "3 non-finite steps in a row", the last
     * good checkpoint named, events with NaN loss, no NaN in any checkpoint, and the monitor
     * policy's non_finite alert at step 3.
     */
    @Test
    void learningRateFarTooHighStopsWithTheLastGoodCheckpointAndRaisesNonFinite() throws Exception {
        Path data = RunFixture.writePairs(dir.resolve("pairs.jsonl"), 40, 5, false);
        Path init = RunFixture.tinySft(data, dir.resolve("sft"));
        Path run = dir.resolve("run");
        assertEquals(0, RunFixture.cli(args(data, init, run, 2, "1e-3", false)).exitCode());
        RunFixture.Cli bad = RunFixture.cli(args(data, init, run, 20, "1e30", true));

        assertEquals(3, bad.exitCode(), bad.out());
        Path lastGood = new CheckpointStore(run.resolve("checkpoints"), 3).latest().orElseThrow();
        String stopLine = bad.out().lines().filter(l -> l.contains("STOPPED")).findFirst().orElseThrow();
        assertTrue(stopLine.contains("3 non-finite steps in a row (limit 3)"), stopLine);
        assertTrue(stopLine.contains("last good checkpoint: " + lastGood), stopLine + " / expected " + lastGood);

        List<StepEvent> steps = RunFixture.steps(run.resolve("events.jsonl"));
        List<StepEvent> nonFinite = steps.stream().filter(e -> e.loss() != null && !Double.isFinite(e.loss())).toList();
        assertTrue(nonFinite.size() == 3, "3 events with a non-finite loss, got " + nonFinite.size() + " in " + steps.size());
        // steps 0, 1 good; 2 applied with lr 1e30; 3, 4, 5 NaN -> stop: six events, none after the stop
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), steps.stream().map(StepEvent::step).toList());

        int tensorsScanned = 0;
        try (Stream<Path> files = Files.walk(run.resolve("checkpoints")); NDManager m = NDManager.newBaseManager()) {
            for (Path f : files.filter(p -> p.toString().endsWith(".safetensors")).toList()) {
                // weights and optimizer state (Adam m, v) alike; integer tensors (step counts) cannot be NaN
                for (NDArray t : ai.djl.ndarray.NDList.decode(m, Files.readAllBytes(f))) {
                    if (!t.getDataType().isFloating()) {
                        continue;
                    }
                    for (double v : t.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray()) {
                        assertTrue(Double.isFinite(v), f + " " + t.getName() + " holds " + v);
                    }
                    tensorsScanned++;
                }
            }
        }
        assertTrue(tensorsScanned > 20, "scanned " + tensorsScanned + " tensors");

        List<Alert> alerts = RunFixture.policyAlerts(steps);
        List<Alert> nonFiniteAlerts = alerts.stream().filter(a -> a.kind().equals("non_finite") && a.state().equals("firing")).toList();
        assertEquals(1, nonFiniteAlerts.size(), "monitor alerts: " + alerts);
        assertEquals(3L, nonFiniteAlerts.get(0).step(), "fires at the first bad step");
    }

    private static String[] args(Path data, Path init, Path run, int steps, String lr, boolean resume) {
        List<String> a = new ArrayList<>(RunFixture.train(data, init, run, steps));
        a.addAll(List.of("--lr", lr, "--max-bad-steps", "3"));
        if (resume) {
            a.add("--resume");
        }
        return a.toArray(String[]::new);
    }

    private static Map<String, float[]> snapshot(Gpt model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.parametersByName().forEach((name, p) -> out.put(name, p.getArray().toFloatArray()));
        return out;
    }

    /** One sequence: prompt of {@code promptLength} tokens, the rest response (mask on its targets). */
    private static TokenBatch batch(NDManager m, long[] sequence, int promptLength) {
        int length = sequence.length - 1;
        long[] ids = Arrays.copyOf(sequence, length);
        long[] targets = Arrays.copyOfRange(sequence, 1, sequence.length);
        float[] mask = new float[length];
        for (int t = 0; t < length; t++) {
            mask[t] = t + 1 >= promptLength ? 1 : 0;
        }
        return TokenBatch.of(m, ids, targets, mask, new int[] {sequence.length - promptLength}, 1, length);
    }
}
