package dev.untangle.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.untangle.data.BadRecordPolicy;
import dev.untangle.data.EncodedPair;
import dev.untangle.data.PairEncoder;
import dev.untangle.data.PreferencePair;
import dev.untangle.data.PreferenceReader;
import dev.untangle.loop.Batches;
import dev.untangle.loop.Optimizer;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.loss.LossConfig;
import dev.untangle.loss.Losses;
import dev.untangle.loss.PreferenceLoss;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import dev.untangle.probe.PreferenceStep;
import dev.untangle.probe.StepOutcome;
import dev.untangle.tokenizer.Gpt2Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What every trainer benchmark shares: real HH pairs encoded at a maximum length, a freshly initialized
 * GPT of a given shape, a DPO (sigmoid) loss with reference log-probs, AdamW, and one method that runs a
 * single timed {@link PreferenceStep} on batch number i. Batches cycle through the pairs in file order, so
 * two arms asked for the same i see exactly the same tokens.
 */
final class BenchFixture implements AutoCloseable {
    private final NDManager root;
    private final Gpt model;
    private final ParameterStore parameters;
    private final PreferenceStep stepper;
    private final Optimizer optimizer;
    private final PreferenceLoss loss = Losses.create("sigmoid", LossConfig.defaults());
    private final List<EncodedPair> pairs;
    private final int batchSize;
    private final int padId;
    private final double lr;

    /** Benchmark shape: model config, pairs per step, and data source. */
    record Shape(GptConfig config, int batchSize, int maxLength) {
        String describe() {
            return "d=" + config.width() + " L=" + config.layers() + " V=" + config.vocabSize() + " T<=" + maxLength
                    + " B=" + batchSize + " pairs (" + 2 * batchSize + " sequences)";
        }
    }

    BenchFixture(Shape shape, List<EncodedPair> pairs, int padId, double lr, long seed) {
        this.root = NDManager.newBaseManager();
        this.model = new Gpt(shape.config().withContextLength(Math.max(shape.config().contextLength(), shape.maxLength())));
        model.initialize(root, seed);
        this.parameters = new ParameterStore(root, false);
        this.stepper = new PreferenceStep(model, parameters);
        this.optimizer = Optimizer.create("adamw", 0.0, root);
        this.pairs = pairs;
        this.batchSize = shape.batchSize();
        this.padId = padId;
        this.lr = lr;
    }

    /** Reads and encodes the first {@code limit} usable pairs of an HH-RLHF style file. */
    static Encoded readPairs(Path data, Path tokenizerPath, int vocabSize, int maxLength, int limit) throws IOException {
        try (Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(tokenizerPath, vocabSize)) {
            List<PreferencePair> read = new PreferenceReader(BadRecordPolicy.parse("skip")).read(data).pairs();
            List<PreferencePair> head = read.subList(0, Math.min(limit, read.size()));
            List<EncodedPair> encoded = new ArrayList<>(new PairEncoder(tokenizer, maxLength).encodeAll(head));
            if (encoded.isEmpty()) {
                throw new IOException(data + ": no usable preference pairs");
            }
            return new Encoded(encoded, tokenizer.endOfTextId());
        }
    }

    record Encoded(List<EncodedPair> pairs, int padId) {
    }

    NDManager root() {
        return root;
    }

    Gpt model() {
        return model;
    }

    /**
     * One step on batch number {@code index}; batches are built and reference log-probs scored before the
     * clock starts (the trainer caches them), so the time is the step alone: forwards, backwards, probe
     * algebra, optimizer update.
     */
    Timed step(int index, boolean probe) {
        try (NDManager step = root.newSubManager()) {
            List<EncodedPair> batch = new ArrayList<>(batchSize);
            for (int i = 0; i < batchSize; i++) {
                batch.add(pairs.get((index * batchSize + i) % pairs.size()));
            }
            TokenBatch chosen = Batches.chosen(batch, padId, step);
            TokenBatch rejected = Batches.rejected(batch, padId, step);
            // Reference = the policy's own log-probs before the step: a stand-in for a frozen SFT model
            // with the same cost profile (the trainer computes them once per pair and caches them).
            double[] refChosen = Scorer.scoreNoGrad(model, parameters, chosen);
            double[] refRejected = Scorer.scoreNoGrad(model, parameters, rejected);
            long start = System.nanoTime();
            StepOutcome outcome = stepper.run(loss, optimizer, lr,
                    new PreferenceStep.Inputs(chosen, rejected, refChosen, refRejected, null, null),
                    probe, false, false, step);
            long nanos = System.nanoTime() - start;
            if (!outcome.applied()) {
                throw new IllegalStateException("benchmark step " + index + " was not applied: " + outcome.skipReason());
            }
            return new Timed(nanos / 1e9, outcome.tokens());
        }
    }

    record Timed(double seconds, long tokens) {
    }

    @Override
    public void close() {
        optimizer.close();
        root.close();
    }
}
