package dev.untangle.loop;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.untangle.checkpoint.CheckpointStore;
import dev.untangle.checkpoint.Checkpoints;
import dev.untangle.checkpoint.TrainingState;
import dev.untangle.model.Gpt;
import dev.untangle.tokenizer.Gpt2Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Supervised fine-tuning: mean per-token NLL of the response tokens (prompt tokens are context only),
 * AdamW, one sub-manager per step, checkpoints every N steps and at the end, bit-exact resume.
 */
public final class SftTrainer {

    public record Settings(String runId, long steps, int batchSize, double lr, double weightDecay, String optimizer,
                           int checkpointEvery, long seed, int evalBatchSize) {
    }

    public record Result(double heldOutNllBefore, double heldOutNllAfter, long steps, long skippedSteps,
                         double seconds, double tokensPerSecond, Path checkpoint, List<Double> losses) {
    }

    private final Settings settings;
    private final Gpt model;
    private final Gpt2Tokenizer tokenizer;
    private final CheckpointStore store;
    private final NDManager root;
    private final PrintStream out;

    public SftTrainer(Settings settings, Gpt model, Gpt2Tokenizer tokenizer, CheckpointStore store, NDManager root,
                      PrintStream out) {
        this.settings = settings;
        this.model = model;
        this.tokenizer = tokenizer;
        this.store = store;
        this.root = root;
        this.out = out;
    }

    /**
     * Trains from {@code resume} (null = from step 0 with a fresh optimizer) up to settings.steps().
     * Held-out NLL is measured before and after when {@code heldOut} is non-empty.
     */
    public Result run(List<Example> train, List<Example> heldOut, Path resume) throws IOException {
        ParameterStore parameters = new ParameterStore(root, false);
        Gradients gradients = new Gradients(model);
        try (Optimizer optimizer = Optimizer.create(settings.optimizer(), settings.weightDecay(), root)) {
            long startStep = 0;
            long epoch = 0;
            long position = 0;
            if (resume != null) {
                TrainingState state = Checkpoints.readState(resume);
                Checkpoints.loadOptimizer(resume, optimizer);
                startStep = state.step();
                epoch = state.epoch();
                position = state.position();
            }
            EpochCursor cursor = new EpochCursor(train.size(), settings.seed(), epoch, position);
            double before = heldOut.isEmpty() ? Double.NaN : heldOutNll(heldOut, parameters);
            Progress progress = new Progress(out, "sft", settings.steps());
            List<Double> losses = new ArrayList<>();
            long skipped = 0;
            long tokens = 0;
            long startNanos = System.nanoTime();
            Path last = null;
            for (long step = startStep; step < settings.steps(); step++) {
                long stepStart = System.nanoTime();
                double loss;
                long batchTokens;
                try (NDManager stepManager = root.newSubManager()) {
                    List<Example> batch = pick(train, cursor.next(settings.batchSize()));
                    TokenBatch b = Batches.of(batch, tokenizer.endOfTextId(), stepManager);
                    batchTokens = b.tokens();
                    Map<String, NDArray> grads;
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        Scorer.Scored s = Scorer.score(model, parameters, b, true);
                        NDArray nll = s.sums().sum().neg().div(b.mask().sum());
                        collector.backward(nll);
                        loss = nll.toType(DataType.FLOAT64, false).getDouble();
                        grads = gradients.take(stepManager);
                    }
                    if (Double.isFinite(loss) && Double.isFinite(GradientAlgebra.normSquared(grads))) {
                        optimizer.step(gradients.parameterArrays(), grads, settings.lr(), stepManager);
                    } else {
                        skipped++;
                        out.println("sft: step " + step + " skipped: non-finite loss or gradient (weights unchanged)");
                    }
                }
                losses.add(loss);
                tokens += batchTokens;
                double stepSeconds = (System.nanoTime() - stepStart) / 1e9;
                progress.update(step, batchTokens / stepSeconds, String.format("loss %.4f", loss));
                boolean lastStep = step + 1 == settings.steps();
                if (lastStep || (settings.checkpointEvery() > 0 && (step + 1) % settings.checkpointEvery() == 0)) {
                    last = Checkpoints.save(store, model, tokenizer, optimizer, new TrainingState(settings.runId(), "sft",
                            step + 1, cursor.epoch(), cursor.position(), settings.seed(), null, null, List.of(), 0, Map.of()));
                }
            }
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            double after = heldOut.isEmpty() ? Double.NaN : heldOutNll(heldOut, parameters);
            return new Result(before, after, settings.steps() - startStep, skipped, seconds, tokens / Math.max(seconds, 1e-9),
                    last, losses);
        }
    }

    /** Mean per-token NLL (nats) of the responses of {@code examples}, without a graph. */
    public double heldOutNll(List<Example> examples, ParameterStore parameters) {
        double total = 0;
        double count = 0;
        for (int i = 0; i < examples.size(); i += settings.evalBatchSize()) {
            try (NDManager m = root.newSubManager()) {
                TokenBatch b = Batches.of(examples.subList(i, Math.min(examples.size(), i + settings.evalBatchSize())),
                        tokenizer.endOfTextId(), m);
                for (double s : Scorer.scoreNoGrad(model, parameters, b)) {
                    total -= s;
                }
                count += b.mask().sum().getFloat();
            }
        }
        return total / count;
    }

    private static List<Example> pick(List<Example> all, int[] indices) {
        List<Example> out = new ArrayList<>(indices.length);
        for (int i : indices) {
            out.add(all.get(i));
        }
        return out;
    }
}
