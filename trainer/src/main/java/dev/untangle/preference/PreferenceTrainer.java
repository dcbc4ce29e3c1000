package dev.untangle.preference;

import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.untangle.checkpoint.CheckpointStore;
import dev.untangle.checkpoint.Checkpoints;
import dev.untangle.checkpoint.TrainingState;
import dev.untangle.data.EncodedPair;
import dev.untangle.events.EventSink;
import dev.untangle.loop.Batches;
import dev.untangle.loop.EpochCursor;
import dev.untangle.loop.Optimizer;
import dev.untangle.loop.Progress;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.loss.EntanglementConditions;
import dev.untangle.loss.LossConfig;
import dev.untangle.loss.Losses;
import dev.untangle.loss.PreferenceLoss;
import dev.untangle.loss.SpoLoss;
import dev.untangle.model.Gpt;
import dev.untangle.probe.PreferenceStep;
import dev.untangle.probe.StepOutcome;
import dev.untangle.spo.LearnedMasks;
import dev.untangle.spo.MaskHead;
import dev.untangle.tokenizer.Gpt2Tokenizer;
import dev.untangle.wire.ControlAck;
import dev.untangle.wire.ControlCommand;
import dev.untangle.wire.StepEvent;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Preference training with the entanglement probe: every step publishes a {@link StepEvent}, every
 * probe-every steps with gradient statistics; control commands are applied at step boundaries (a
 * checkpoint first, then the switch, then an acknowledgement); non-finite steps are skipped and, after
 * too many in a row, the job stops with its last good checkpoint.
 */
public final class PreferenceTrainer {

    /**
     * @param probeEvery   probe every k steps (1 = every step)
     * @param measureEvery re-score the batch after every m-th probe step to measure the change; the extras
     *                     (when {@code extras}) run on the same steps
     * @param maxBadSteps  stop after this many non-finite steps in a row
     * @param spoMasks     spo's token masks: "fixed" (shared prefix/suffix masked out) or "learned" (a
     *                     {@link MaskHead} trained jointly, {@link LearnedMasks}; one extra no-grad policy
     *                     forward on every spo step)
     * @param spoL1        lambda_s, the L1 weight of learned masks (&gt;= 0)
     * @param npoPerPair   npo in its exact per-pair form (PreferenceStep.Scales#PER_PAIR: every npo step is a
     *                     probe step over 2B parameter copies) instead of the batch form
     */
    public record Settings(String runId, String lossType, LossConfig lossConfig, String optimizer, double lr,
                           double weightDecay, long steps, int batchSize, int probeEvery, int measureEvery,
                           int evalEvery, int evalPairs, int checkpointEvery, long seed, int maxBadSteps,
                           boolean extras, String spoMasks, double spoL1, boolean npoPerPair) {
        public static final String FIXED_MASKS = "fixed";
        public static final String LEARNED_MASKS = "learned";
        public static final double DEFAULT_SPO_L1 = 0.01;

        public Settings {
            if (!FIXED_MASKS.equals(spoMasks) && !LEARNED_MASKS.equals(spoMasks)) {
                throw new IllegalArgumentException("spo masks '" + spoMasks + "': expected fixed or learned");
            }
            if (!(spoL1 >= 0) || Double.isInfinite(spoL1)) {
                throw new IllegalArgumentException("spo L1 weight lambda_s must be a finite number >= 0, got " + spoL1);
            }
        }

        /** Fixed spo masks (spo's behaviour before learned masks existed). */
        public Settings(String runId, String lossType, LossConfig lossConfig, String optimizer, double lr,
                        double weightDecay, long steps, int batchSize, int probeEvery, int measureEvery,
                        int evalEvery, int evalPairs, int checkpointEvery, long seed, int maxBadSteps,
                        boolean extras) {
            this(runId, lossType, lossConfig, optimizer, lr, weightDecay, steps, batchSize, probeEvery, measureEvery,
                    evalEvery, evalPairs, checkpointEvery, seed, maxBadSteps, extras, FIXED_MASKS, DEFAULT_SPO_L1, false);
        }
    }

    /** Steps of each invocation left out of the step-time medians (JIT, allocator and engine warm-up). */
    public static final int TIMING_WARMUP_STEPS = 10;

    /** Step times kept per kind for the medians: the most recent ones, so a week-long run holds a bounded list. */
    public static final int TIMING_WINDOW = 1000;

    /**
     * What happened, for the end-of-run summary. {@code stepSeconds} holds the wall times of the last
     * {@link #TIMING_WINDOW} probe steps and the last {@link #TIMING_WINDOW} plain steps of this invocation
     * after its first {@link #TIMING_WARMUP_STEPS}: the probe's overhead inside the run itself.
     */
    public record Summary(long steps, Map<String, Long> cases, long skippedSteps, List<String> switches,
                          double seconds, Path lastCheckpoint, String finalLossType, String stopReason,
                          List<TimedStep> stepSeconds) {
        /**
         * Median probe step over median plain step; NaN without both kinds. With {@code core}, the probe steps'
         * optional extras and re-scoring are left out of their times.
         */
        public double probeOverhead(boolean core) {
            return medianSeconds(true, core) / medianSeconds(false, core);
        }

        public double medianSeconds(boolean probed, boolean core) {
            double[] v = stepSeconds.stream().filter(t -> t.probed() == probed)
                    .mapToDouble(t -> core ? t.seconds() - t.diagnosticSeconds() : t.seconds()).sorted().toArray();
            if (v.length == 0) {
                return Double.NaN;
            }
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }
    }

    /**
     * One step's wall time (forward, backward, probe, optimizer, extras, re-scoring), its kind, and the part
     * spent on the optional extras and re-scoring.
     */
    public record TimedStep(boolean probed, double seconds, double diagnosticSeconds) {
    }

    private final Settings settings;
    private final Gpt policy;
    private final Gpt reference;
    private final Path referenceDir;
    private final Gpt2Tokenizer tokenizer;
    private final CheckpointStore store;
    private final NDManager root;
    private final EventSink sink;
    private final ControlSource control;
    private final PrintStream out;

    public PreferenceTrainer(Settings settings, Gpt policy, Gpt reference, Path referenceDir, Gpt2Tokenizer tokenizer,
                             CheckpointStore store, NDManager root, EventSink sink, ControlSource control,
                             PrintStream out) {
        this.settings = settings;
        this.policy = policy;
        this.reference = reference;
        this.referenceDir = referenceDir;
        this.tokenizer = tokenizer;
        this.store = store;
        this.root = root;
        this.sink = sink;
        this.control = control;
        this.out = out;
    }

    public Summary run(List<EncodedPair> train, List<EncodedPair> eval, Path resume) throws IOException {
        ParameterStore parameters = new ParameterStore(root, false);
        ParameterStore referenceParameters = new ParameterStore(root, false);
        PreferenceStep stepper = new PreferenceStep(policy, parameters);
        EvalProtocol evalProtocol = new EvalProtocol(policy, reference, referenceParameters, tokenizer, root);
        try (Optimizer optimizer = Optimizer.create(settings.optimizer(), settings.weightDecay(), root);
             MaskHead maskHead = Settings.LEARNED_MASKS.equals(settings.spoMasks())
                     ? new MaskHead(policy.config().width(), settings.optimizer(), settings.lr(), settings.spoL1(), root)
                     : null) {
            // The head exists for the whole run with learned masks (a control switch may start spo mid-run), and
            // travels in every checkpoint; it is used on spo steps only.
            LearnedMasks learnedMasks = maskHead == null ? null
                    : new LearnedMasks(maskHead, policy, parameters, reference, referenceParameters);
            CheckpointStore.Writer maskHeadFiles = maskHead == null ? null : maskHead::save;
            long startStep = 0;
            long epoch = 0;
            long position = 0;
            String lossType = settings.lossType();
            Set<String> applied = new LinkedHashSet<>();
            int badInRow = 0;
            Map<String, Double> extra = new HashMap<>();
            if (resume != null) {
                TrainingState state = Checkpoints.readState(resume);
                if ("preference".equals(state.stage())) {
                    Checkpoints.loadOptimizer(resume, optimizer);
                    startStep = state.step();
                    epoch = state.epoch();
                    position = state.position();
                    lossType = state.lossType();
                    applied.addAll(state.appliedCommandIds());
                    badInRow = state.consecutiveBadSteps();
                    extra.putAll(state.extra());
                    if (maskHead != null && MaskHead.savedIn(resume)) {
                        maskHead.load(resume);
                    } else if (maskHead != null) {
                        out.println("train: " + resume + " has no spo mask head; learned masks start from the initial head");
                    }
                }
            }
            PreferenceLoss loss = Losses.create(lossType, settings.lossConfig());
            EpochCursor cursor = new EpochCursor(train.size(), settings.seed(), epoch, position);
            Map<Integer, double[]> referenceCache = new HashMap<>();
            Map<String, Long> cases = new LinkedHashMap<>();
            ArrayDeque<TimedStep> probeTimes = new ArrayDeque<>();
            ArrayDeque<TimedStep> plainTimes = new ArrayDeque<>();
            long timedSteps = 0;
            List<String> switches = new ArrayList<>();
            Progress progress = new Progress(out, "train", settings.steps());
            long skipped = 0;
            long stepsRun = 0;
            long start = System.nanoTime();
            // The checkpoint resumed from is the last good one until this process writes another: a job
            // that stops on non-finite steps right after a resume must name it, not "the init model".
            Path last = resume;
            String stopReason = null;
            if (startStep == 0 && settings.evalEvery() > 0 && !eval.isEmpty()) {
                sink.eval(evalProtocol.run(settings.runId(), 0, loss, eval));
            }
            for (long step = startStep; step < settings.steps(); step++) {
                // Control commands take effect only here, between steps. A checkpoint is written before
                // each one; "pause" holds the job here, polling, until "resume" arrives.
                boolean paused = false;
                do {
                    for (ControlCommand command : control.poll(step)) {
                        if (!applied.add(command.commandId())) {
                            continue;
                        }
                        String action = command.action();
                        State snapshot = new State(step, cursor, lossType, applied, badInRow, extra);
                        last = Checkpoints.save(store, policy, tokenizer, optimizer, snapshot.toTrainingState(settings, referenceDir),
                                maskHeadFiles);
                        if (ControlCommand.Action.SWITCH_LOSS.wire().equals(action)) {
                            String from = lossType;
                            lossType = command.lossType();
                            loss = Losses.create(lossType, settings.lossConfig());
                            referenceCache.clear();
                            extra.clear();
                            switches.add(from + "->" + lossType + "@" + step);
                            out.println();
                            out.println("train: step " + step + ": switched loss " + from + " -> " + lossType
                                    + " (" + command.reason() + "), checkpoint " + last.getFileName());
                        } else if (ControlCommand.Action.PAUSE.wire().equals(action)) {
                            paused = true;
                            out.println();
                            out.println("train: step " + step + ": paused by control command " + command.commandId());
                        } else if (ControlCommand.Action.RESUME.wire().equals(action)) {
                            paused = false;
                            out.println("train: step " + step + ": resumed by control command " + command.commandId());
                        }
                        sink.ack(new ControlAck(ControlAck.SCHEMA, command.commandId(), settings.runId(), step,
                                Instant.now().toString(), action, command.lossType(), "applied",
                                "checkpoint " + last.getFileName()));
                    }
                    if (paused) {
                        sleepQuietly(500);
                    }
                } while (paused);

                StepOutcome outcome;
                Double maskMeanChosen = null;
                Double maskMeanRejected = null;
                try (NDManager stepManager = root.newSubManager()) {
                    int[] indices = cursor.next(settings.batchSize());
                    List<EncodedPair> pairs = new ArrayList<>(indices.length);
                    for (int i : indices) {
                        pairs.add(train.get(i));
                    }
                    int pad = tokenizer.endOfTextId();
                    boolean spo = "spo".equals(lossType);
                    boolean learned = spo && learnedMasks != null;
                    TokenBatch[] both = spo && !learned ? Batches.sparse(pairs, pad, stepManager)
                            : new TokenBatch[] {Batches.chosen(pairs, pad, stepManager), Batches.rejected(pairs, pad, stepManager)};
                    // Learned masks: one extra no-grad policy forward gives the masks; the batches carry them.
                    LearnedMasks.Prepared masked = learned ? learnedMasks.prepare(indices, both[0], both[1], stepManager) : null;
                    TokenBatch chosenBatch = learned ? masked.chosen() : both[0];
                    TokenBatch rejectedBatch = learned ? masked.rejected() : both[1];
                    double[][] refs = learned ? new double[][] {masked.refChosen(), masked.refRejected()}
                            : loss.needsReference()
                            ? referenceLogProbs(indices, chosenBatch, rejectedBatch, referenceParameters, referenceCache)
                            : new double[][] {null, null};
                    if (spo) {
                        maskMeanChosen = LearnedMasks.meanResponseMask(chosenBatch);
                        maskMeanRejected = LearnedMasks.meanResponseMask(rejectedBatch);
                    }
                    boolean npo = loss.scalesByGradientNorm();
                    boolean perPair = npo && settings.npoPerPair();
                    double[][] scales = npo && !perPair ? npoScales(extra, indices.length) : new double[][] {null, null};
                    // npo's per-pair form measures every pair's gradients on every step: each step is a probe step.
                    boolean probe = perPair || step % settings.probeEvery() == 0;
                    // Counted in probe steps: with npo's per-pair form every step is one.
                    long probeIndex = perPair ? step : step / settings.probeEvery();
                    boolean measure = probe && settings.measureEvery() > 0 && probeIndex % settings.measureEvery() == 0;
                    outcome = stepper.run(loss, optimizer, settings.lr(),
                            new PreferenceStep.Inputs(chosenBatch, rejectedBatch, refs[0], refs[1], scales[0], scales[1],
                                    perPair ? PreferenceStep.Scales.PER_PAIR
                                            : npo && probe ? PreferenceStep.Scales.BATCH : PreferenceStep.Scales.GIVEN),
                            probe, measure, measure && settings.extras(), stepManager);
                    if (learned && outcome.applied()) {
                        learnedMasks.update(masked, (SpoLoss) loss, stepManager);
                    }
                }
                StepEvent event = StepEvents.of(settings.runId(), step, loss, settings.lr(), outcome, maskMeanChosen,
                        maskMeanRejected);
                sink.step(event);
                stepsRun++;
                cases.merge(event.caseLabel() == null ? "no_probe" : event.caseLabel(), 1L, Long::sum);
                if (++timedSteps > TIMING_WARMUP_STEPS) {
                    ArrayDeque<TimedStep> kind = outcome.probed() ? probeTimes : plainTimes;
                    kind.addLast(new TimedStep(outcome.probed(), outcome.stepSeconds(), outcome.diagnosticSeconds()));
                    if (kind.size() > TIMING_WINDOW) {
                        kind.removeFirst();
                    }
                }
                if (loss.scalesByGradientNorm() && !settings.npoPerPair() && outcome.probed() && outcome.applied()) {
                    updateNpoScales(extra, outcome, loss.beta(), indices(outcome));
                }
                if (!outcome.applied()) {
                    skipped++;
                    badInRow++;
                    out.println();
                    out.println("train: step " + step + " skipped (" + outcome.skipReason() + "); weights unchanged");
                    if (badInRow >= settings.maxBadSteps()) {
                        stopReason = badInRow + " non-finite steps in a row (limit " + settings.maxBadSteps()
                                + "); last good checkpoint: " + (last == null ? "none (the init model)" : last);
                        break;
                    }
                } else {
                    badInRow = 0;
                }
                progress.update(step, outcome.tokens() / Math.max(outcome.stepSeconds(), 1e-9), progressDetail(event));
                boolean lastStep = step + 1 == settings.steps();
                if (settings.evalEvery() > 0 && !eval.isEmpty() && ((step + 1) % settings.evalEvery() == 0 || lastStep)) {
                    sink.eval(evalProtocol.run(settings.runId(), step + 1, loss, eval));
                }
                if (badInRow == 0 && (lastStep || (settings.checkpointEvery() > 0 && (step + 1) % settings.checkpointEvery() == 0))) {
                    State snapshot = new State(step + 1, cursor, lossType, applied, badInRow, extra);
                    last = Checkpoints.save(store, policy, tokenizer, optimizer, snapshot.toTrainingState(settings, referenceDir),
                            maskHeadFiles);
                }
            }
            return new Summary(stepsRun, cases, skipped, switches,
                    (System.nanoTime() - start) / 1e9, last, lossType, stopReason,
                    Stream.concat(probeTimes.stream(), plainTimes.stream()).toList());
        }
    }

    /** Reference log-probs never change: score each pair once and keep it (by pair index). */
    private double[][] referenceLogProbs(int[] indices, TokenBatch chosen, TokenBatch rejected,
                                         ParameterStore referenceParameters, Map<Integer, double[]> cache) {
        boolean missing = false;
        for (int i : indices) {
            missing |= !cache.containsKey(i);
        }
        if (missing) {
            double[] c = Scorer.scoreNoGrad(reference, referenceParameters, chosen);
            double[] r = Scorer.scoreNoGrad(reference, referenceParameters, rejected);
            for (int j = 0; j < indices.length; j++) {
                cache.put(indices[j], new double[] {c[j], r[j]});
            }
        }
        double[][] out = new double[2][indices.length];
        for (int j = 0; j < indices.length; j++) {
            double[] both = cache.get(indices[j]);
            out[0][j] = both[0];
            out[1][j] = both[1];
        }
        return out;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while paused", e);
        }
    }

    private static int indices(StepOutcome outcome) {
        return outcome.chosenLogProbs().length;
    }

    /**
     * npo, batch form (DESIGN.md section 1 Mitigations; the construction that follows from the paper's
     * conditions): the stop-gradient scales are the k-weighted mean gradient norms of the previous probe
     * step, s = ||sum_i k_i g^i|| / sum_i k_i, used for the slopes k_i (and for whole steps without a
     * probe); on probe steps PreferenceStep rescales G_w and G_l with this step's own norms
     * (PreferenceStep.Scales#BATCH). The first npo step uses s = 1 for the slopes.
     */
    private static double[][] npoScales(Map<String, Double> extra, int batch) {
        double sw = extra.getOrDefault("npo_scale_chosen", 1.0);
        double sl = extra.getOrDefault("npo_scale_rejected", 1.0);
        double[] w = new double[batch];
        double[] l = new double[batch];
        java.util.Arrays.fill(w, sw);
        java.util.Arrays.fill(l, sl);
        return new double[][] {w, l};
    }

    private static void updateNpoScales(Map<String, Double> extra, StepOutcome outcome, double beta, int batch) {
        // G_w = sum_i k_i*beta/(s_w*B) g_w^i  =>  ||sum_i k_i g_w^i|| = ||G_w|| * s_w * B / beta.
        double sw = extra.getOrDefault("npo_scale_chosen", 1.0);
        double sl = extra.getOrDefault("npo_scale_rejected", 1.0);
        double slopeSum = outcome.slopeSum();
        // The raw norms: before the in-step normalization, which would otherwise hide the change of scale.
        if (!(slopeSum > 0) || !(outcome.rawNormChosen() > 0) || !(outcome.rawNormRejected() > 0)) {
            return;
        }
        extra.put("npo_scale_chosen", outcome.rawNormChosen() * sw * batch / beta / slopeSum);
        extra.put("npo_scale_rejected", outcome.rawNormRejected() * sl * batch / beta / slopeSum);
    }

    private static String progressDetail(StepEvent e) {
        if (e.caseLabel() == null) {
            return String.format("loss %.4f", e.loss());
        }
        return String.format("loss %.4f | %-9s cos %s | dchosen %s drejected %s", e.loss(), e.caseLabel(),
                fmt(e.gradCosine()), fmt(e.meanDeltaChosen()), fmt(e.meanDeltaRejected()));
    }

    private static String fmt(Double v) {
        return v == null ? "  --  " : String.format("%+.3f", v);
    }

    /** Mutable loop state captured for a checkpoint. */
    private record State(long step, EpochCursor cursor, String lossType, Set<String> applied, int badInRow,
                         Map<String, Double> extra) {
        TrainingState toTrainingState(Settings s, Path referenceDir) {
            return new TrainingState(s.runId(), "preference", step, cursor.epoch(), cursor.position(), s.seed(),
                    lossType, referenceDir == null ? null : referenceDir.toString(), List.copyOf(applied), badInRow,
                    Map.copyOf(extra));
        }
    }
}
