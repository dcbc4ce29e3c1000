package dev.untangle.reliability;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.untangle.checkpoint.CheckpointStore;
import dev.untangle.loop.Example;
import dev.untangle.loop.SftTrainer;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import dev.untangle.model.GptWeights;
import dev.untangle.tokenizer.Gpt2Tokenizer;
import dev.untangle.tokenizer.SharedData;
import dev.untangle.wire.StepEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 2/6: training interrupted at a checkpoint and resumed is the same computation as training
 * straight through: the same losses (exact float equality, not a tolerance), the same step-event
 * numbers, and bit-identical final weights. Save -> load logits are covered by GptWeightsTest.
 */
class ResumeBitExactTest {

    @TempDir
    Path dir;

    @Test
    void sftTwoPlusTwoStepsEqualsFourStepsBitForBit() throws Exception {
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(SharedData.gpt2TokenizerDir(), Integer.parseInt(RunFixture.VOCAB));
        List<Example> train = examples(24, tokenizer.vocabSize(), 11);
        PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());

        List<Double> straight;
        try (NDManager root = NDManager.newBaseManager()) {
            Gpt model = freshTiny(tokenizer, root);
            CheckpointStore store = new CheckpointStore(dir.resolve("a"), 2);
            straight = new SftTrainer(settings(4), model, tokenizer, store, root, quiet).run(train, List.of(), null).losses();
        }
        List<Double> resumed = new ArrayList<>();
        CheckpointStore storeB = new CheckpointStore(dir.resolve("b"), 2);
        try (NDManager root = NDManager.newBaseManager()) {
            Gpt model = freshTiny(tokenizer, root);
            resumed.addAll(new SftTrainer(settings(2), model, tokenizer, storeB, root, quiet).run(train, List.of(), null).losses());
        }
        try (NDManager root = NDManager.newBaseManager()) {
            Path checkpoint = storeB.latest().orElseThrow();
            Gpt model = GptWeights.load(checkpoint, root);
            resumed.addAll(new SftTrainer(settings(4), model, tokenizer, storeB, root, quiet).run(train, List.of(), checkpoint).losses());
        }

        assertEquals(4, straight.size());
        assertEquals(straight, resumed, "SFT losses straight vs 2 + resume + 2 (exact)");
        // The losses moved: the comparison is not between four copies of one number.
        assertNotAllEqual(straight);
        assertSameWeights(new CheckpointStore(dir.resolve("a"), 2).latest().orElseThrow(), storeB.latest().orElseThrow());
    }

    @Test
    void preferenceTwoPlusTwoStepsEqualsFourStepsIncludingStepEvents() throws Exception {
        Path data = RunFixture.writePairs(dir.resolve("pairs.jsonl"), 40, 3, false);
        Path init = RunFixture.tinySft(data, dir.resolve("sft"));

        List<String> straightArgs = new ArrayList<>(RunFixture.train(data, init, dir.resolve("straight"), 4));
        straightArgs.addAll(List.of("--loss", "sigmoid", "--optimizer", "adamw", "--lr", "1e-2"));
        assertEquals(0, RunFixture.cli(straightArgs.toArray(String[]::new)).exitCode());

        List<String> firstHalf = new ArrayList<>(RunFixture.train(data, init, dir.resolve("resumed"), 2));
        firstHalf.addAll(List.of("--loss", "sigmoid", "--optimizer", "adamw", "--lr", "1e-2"));
        assertEquals(0, RunFixture.cli(firstHalf.toArray(String[]::new)).exitCode());
        List<String> secondHalf = new ArrayList<>(RunFixture.train(data, init, dir.resolve("resumed"), 4));
        secondHalf.addAll(List.of("--loss", "sigmoid", "--optimizer", "adamw", "--lr", "1e-2", "--resume"));
        RunFixture.Cli second = RunFixture.cli(secondHalf.toArray(String[]::new));
        assertEquals(0, second.exitCode());
        org.junit.jupiter.api.Assertions.assertTrue(second.out().contains("resumed at step 2"), second.out());

        List<StepEvent> a = RunFixture.steps(dir.resolve("straight/events.jsonl"));
        List<StepEvent> b = RunFixture.steps(dir.resolve("resumed/events.jsonl"));
        assertEquals(4, a.size());
        assertEquals(4, b.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(i, b.get(i).step());
            assertSameNumbers(a.get(i), b.get(i));
        }
        assertNotAllEqual(a.stream().map(StepEvent::loss).toList());
        assertSameWeights(new CheckpointStore(dir.resolve("straight/checkpoints"), 3).latest().orElseThrow(),
                new CheckpointStore(dir.resolve("resumed/checkpoints"), 3).latest().orElseThrow());
    }

    /** Every number of a step event that the computation determines (timings excluded). */
    static void assertSameNumbers(StepEvent expected, StepEvent actual) {
        String at = "step " + expected.step() + ": ";
        assertEquals(expected.lossType(), actual.lossType(), at + "loss_type");
        assertEquals(expected.loss(), actual.loss(), at + "loss");
        assertEquals(expected.logpsChosen(), actual.logpsChosen(), at + "logps_chosen");
        assertEquals(expected.logpsRejected(), actual.logpsRejected(), at + "logps_rejected");
        assertEquals(expected.rewardsMargin(), actual.rewardsMargin(), at + "rewards_margin");
        assertEquals(expected.gradInnerProduct(), actual.gradInnerProduct(), at + "grad_inner_product");
        assertEquals(expected.gradNormChosen(), actual.gradNormChosen(), at + "grad_norm_chosen");
        assertEquals(expected.gradNormRejected(), actual.gradNormRejected(), at + "grad_norm_rejected");
        assertEquals(expected.caseLabel(), actual.caseLabel(), at + "case");
        assertEquals(expected.predictedDeltaChosen(), actual.predictedDeltaChosen(), at + "predicted_delta_chosen");
        assertEquals(expected.measuredDeltaChosen(), actual.measuredDeltaChosen(), at + "measured_delta_chosen");
        assertEquals(expected.measuredDeltaRejected(), actual.measuredDeltaRejected(), at + "measured_delta_rejected");
        org.junit.jupiter.api.Assertions.assertNotNull(actual.gradInnerProduct(), at + "probe fields present");
    }

    static void assertSameWeights(Path expectedCheckpoint, Path actualCheckpoint) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> expected = GptWeights.readSafetensors(expectedCheckpoint.resolve(GptWeights.WEIGHTS_FILE), m);
            Map<String, NDArray> actual = GptWeights.readSafetensors(actualCheckpoint.resolve(GptWeights.WEIGHTS_FILE), m);
            assertEquals(expected.keySet(), actual.keySet());
            for (String name : expected.keySet()) {
                assertArrayEquals(expected.get(name).toFloatArray(), actual.get(name).toFloatArray(), 0f, name);
            }
        }
    }

    private static void assertNotAllEqual(List<Double> values) {
        org.junit.jupiter.api.Assertions.assertTrue(values.stream().distinct().count() > 1, "values all equal: " + values);
    }

    private static SftTrainer.Settings settings(long steps) {
        return new SftTrainer.Settings("sft", steps, 4, 1e-2, 0.0, "adamw", 0, 5, 4);
    }

    private static Gpt freshTiny(Gpt2Tokenizer tokenizer, NDManager root) {
        Gpt model = new Gpt(GptConfig.preset("tiny", tokenizer.vocabSize()));
        model.initialize(root, 42);
        return model;
    }

    /** Random short prompt/response token sequences (ids 1..vocab-2: never end-of-text). */
    private static List<Example> examples(int n, int vocab, long seed) {
        Random random = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Example(ids(random, 3 + random.nextInt(4), vocab), ids(random, 2 + random.nextInt(6), vocab)));
        }
        return out;
    }

    private static int[] ids(Random random, int length, int vocab) {
        int[] out = new int[length];
        for (int i = 0; i < length; i++) {
            out[i] = 1 + random.nextInt(vocab - 2);
        }
        return out;
    }
}
