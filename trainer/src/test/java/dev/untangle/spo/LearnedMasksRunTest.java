package dev.untangle.spo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.untangle.checkpoint.CheckpointStore;
import dev.untangle.model.GptWeights;
import dev.untangle.reliability.RunFixture;
import dev.untangle.wire.StepEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `train --loss spo --spo-masks learned` through the CLI on the tiny fixture: the events carry the batch mean
 * masks (0.9 on the first step, the head's initial value, then moving), and a run stopped at a checkpoint and
 * resumed is bit-identical to one run straight through: step events, model weights, the head's u and c and its
 * optimizer state. Fixed masks report their kept share; bad option values fail with the option's name.
 * (The fixture's max length of 64 byte-level tokens cuts the shared tail off most rejected responses.)
 */
class LearnedMasksRunTest {
    @TempDir
    Path dir;

    private List<String> args(Path data, Path init, Path out, int steps, String... more) {
        List<String> args = new ArrayList<>(RunFixture.train(data, init, out, steps));
        args.addAll(List.of("--loss", "spo", "--optimizer", "adamw", "--lr", "1e-2"));
        args.addAll(List.of(more));
        return args;
    }

    private static void run(List<String> args) {
        RunFixture.Cli r = RunFixture.cli(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.out() + r.err());
    }

    @Test
    void learnedMasksResumeBitExactlyAndShowInTheEvents() throws Exception {
        Path data = RunFixture.writePairs(dir.resolve("pairs.jsonl"), 40, 3, true);
        Path init = RunFixture.tinySft(data, dir.resolve("sft"));

        run(args(data, init, dir.resolve("straight"), 4, "--spo-masks", "learned"));
        run(args(data, init, dir.resolve("resumed"), 2, "--spo-masks", "learned"));
        run(args(data, init, dir.resolve("resumed"), 4, "--spo-masks", "learned", "--resume"));

        List<StepEvent> a = RunFixture.steps(dir.resolve("straight/events.jsonl"));
        List<StepEvent> b = RunFixture.steps(dir.resolve("resumed/events.jsonl"));
        assertEquals(4, a.size());
        assertEquals(4, b.size());
        for (int i = 0; i < 4; i++) {
            String at = "step " + i + ": ";
            assertEquals(a.get(i).loss(), b.get(i).loss(), at + "loss");
            assertEquals(a.get(i).maskMeanChosen(), b.get(i).maskMeanChosen(), at + "mask_mean_chosen");
            assertEquals(a.get(i).maskMeanRejected(), b.get(i).maskMeanRejected(), at + "mask_mean_rejected");
            assertEquals(a.get(i).gradInnerProduct(), b.get(i).gradInnerProduct(), at + "grad_inner_product");
            assertEquals(a.get(i).measuredDeltaChosen(), b.get(i).measuredDeltaChosen(), at + "measured_delta_chosen");
        }
        System.out.printf("learned masks, mean chosen/rejected per step: %s%n", a.stream()
                .map(e -> String.format("%.6f/%.6f", e.maskMeanChosen(), e.maskMeanRejected())).toList());
        // Step 0: u = 0, every response mask is sigmoid(logit 0.9).
        assertEquals(0.9, a.get(0).maskMeanChosen(), 1e-6);
        assertEquals(0.9, a.get(0).maskMeanRejected(), 1e-6);
        assertNotEquals(a.get(0).maskMeanChosen(), a.get(3).maskMeanChosen(), "the head was trained");

        Path straight = new CheckpointStore(dir.resolve("straight/checkpoints"), 3).latest().orElseThrow();
        Path resumed = new CheckpointStore(dir.resolve("resumed/checkpoints"), 3).latest().orElseThrow();
        assertSameTensors(straight.resolve(GptWeights.WEIGHTS_FILE), resumed.resolve(GptWeights.WEIGHTS_FILE));
        assertSameTensors(straight.resolve(MaskHead.OPTIMIZER_FILE), resumed.resolve(MaskHead.OPTIMIZER_FILE));
        float[] u = assertSameTensors(straight.resolve(MaskHead.WEIGHTS_FILE), resumed.resolve(MaskHead.WEIGHTS_FILE))
                .get(MaskHead.WEIGHT);
        float maxAbs = 0;
        for (float v : u) {
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        assertTrue(maxAbs > 0, "u moved from its initial 0");

        // Fixed masks (the default) report their kept share too (exact values: ResponseMaskMeanTest); no head files.
        run(args(data, init, dir.resolve("fixed"), 1));
        StepEvent fixed = RunFixture.steps(dir.resolve("fixed/events.jsonl")).get(0);
        assertTrue(fixed.maskMeanChosen() > 0 && fixed.maskMeanChosen() <= 1, "kept share " + fixed.maskMeanChosen());
        assertTrue(fixed.maskMeanRejected() > 0 && fixed.maskMeanRejected() <= 1, "kept share " + fixed.maskMeanRejected());
        Path fixedCheckpoint = new CheckpointStore(dir.resolve("fixed/checkpoints"), 3).latest().orElseThrow();
        assertTrue(!MaskHead.savedIn(fixedCheckpoint), "no mask head with fixed masks");
    }

    @Test
    void badSpoOptionsFailWithTheOptionName() throws Exception {
        Path data = RunFixture.writePairs(dir.resolve("pairs.jsonl"), 4, 3, false);
        RunFixture.Cli negative = RunFixture.cli(args(data, dir, dir.resolve("x"), 1, "--spo-l1", "-1")
                .toArray(String[]::new));
        assertEquals(2, negative.exitCode());
        assertTrue(negative.err().contains("--spo-l1 -1.0: must be a finite number >= 0"), negative.err());
        RunFixture.Cli unknown = RunFixture.cli(args(data, dir, dir.resolve("x"), 1, "--spo-masks", "sometimes")
                .toArray(String[]::new));
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("--spo-masks sometimes: expected fixed or learned"), unknown.err());
    }

    /** Asserts two safetensors files hold the same names and bit-identical float values; returns them. */
    private static Map<String, float[]> assertSameTensors(Path expected, Path actual) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> e = read(expected, m);
            Map<String, NDArray> a = read(actual, m);
            assertEquals(e.keySet(), a.keySet(), expected.getFileName().toString());
            Map<String, float[]> values = new java.util.LinkedHashMap<>();
            for (String name : e.keySet()) {
                if (e.get(name).getDataType() == ai.djl.ndarray.types.DataType.INT64) {
                    assertArrayEquals(e.get(name).toLongArray(), a.get(name).toLongArray(), name);
                    continue;
                }
                float[] ev = e.get(name).toFloatArray();
                assertArrayEquals(ev, a.get(name).toFloatArray(), 0f, expected.getFileName() + ": " + name);
                values.put(name, ev);
            }
            return values;
        }
    }

    private static Map<String, NDArray> read(Path file, NDManager m) throws Exception {
        Map<String, NDArray> byName = new java.util.LinkedHashMap<>();
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            for (NDArray a : ai.djl.ndarray.NDList.decode(m, in)) {
                byName.put(a.getName(), a);
            }
        }
        return byName;
    }
}
