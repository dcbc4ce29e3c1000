package dev.untangle.spo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import dev.untangle.loop.Optimizer;
import dev.untangle.loss.PairLogProbs;
import dev.untangle.loss.SpoLoss;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The learned token masks of sparse token-masked preference optimization (DESIGN.md section 1, Mitigations;
 * the paper names the mitigation, this is the construction that follows from its conditions): a linear head
 * on the policy's final hidden states (the LM head's input, detached),
 *
 * <pre>
 *   m_t = sigmoid(&lt;h_t, u&gt; + c)   on response targets t, 0 on prompt and padding targets
 * </pre>
 *
 * with parameters u (d) and c (1). u starts at 0 and c at logit(0.9), so every mask starts at 0.9 and spo
 * starts as DPO (with the log-probs scaled by 0.9).
 *
 * <p>Objective of the head ({@link #objective}): the spo loss on the masked log-ratio sums
 * sum_t m_t*(log pi - log pi_ref)(y_t) of both responses, with the token log-probs detached, plus the L1
 * penalty lambda_s*(|m_w|_1 + |m_l|_1)/B ({@link SpoLoss#maskPenalty}). Its gradient pushes a mask up where
 * the token's log-ratio helps the margin and the L1 term pulls every mask down, so a token whose log-ratio
 * is the same in both responses (a shared suffix: equal masks cancel in the margin) only feels the pull.
 *
 * <p>The head is updated once per step ({@link #update}) by its own optimizer of the job's kind and learning
 * rate (weight decay 0). With AdamW (the default) the per-coordinate normalization makes the job's lr a
 * usable step size although the head's gradient scale (lambda_s, beta, m(1-m)) has nothing to do with the
 * language model's; with sgd the head takes plain steps of that lr. Parameters and optimizer state are saved
 * in checkpoints ({@link #save}, {@link #load}) so a resumed run continues bit-exactly.
 */
public final class MaskHead implements AutoCloseable {
    /** Every mask's value before the first update: sigmoid(c) with u = 0. */
    public static final double INITIAL_MASK = 0.9;
    public static final String WEIGHTS_FILE = "mask_head.safetensors";
    public static final String OPTIMIZER_FILE = "mask_head_optimizer.safetensors";
    static final String WEIGHT = "mask_head.weight";
    static final String BIAS = "mask_head.bias";

    private final NDManager manager;
    private final Optimizer optimizer;
    private final double lr;
    private final double l1;
    private final int width;
    private NDArray weight; // u: (d) float32
    private NDArray bias; // c: (1) float32

    /**
     * @param width     the policy's hidden width d
     * @param optimizer adamw or sgd (the job's)
     * @param lr        the job's learning rate
     * @param l1        lambda_s of the L1 penalty, finite and &gt;= 0
     */
    public MaskHead(int width, String optimizer, double lr, double l1, NDManager parent) {
        if (width < 1) {
            throw new IllegalArgumentException("MaskHead.width must be >= 1, got " + width);
        }
        if (!(l1 >= 0) || Double.isInfinite(l1)) {
            throw new IllegalArgumentException("MaskHead.l1 (--spo-l1, lambda_s) must be a finite number >= 0, got " + l1);
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("MaskHead.lr must be a finite number > 0, got " + lr);
        }
        this.width = width;
        this.lr = lr;
        this.l1 = l1;
        this.manager = parent.newSubManager();
        this.optimizer = Optimizer.create(optimizer, 0.0, manager);
        this.weight = manager.zeros(new Shape(width), DataType.FLOAT32);
        this.bias = manager.create(new float[] {(float) Math.log(INITIAL_MASK / (1 - INITIAL_MASK))});
    }

    /**
     * One batch's detached values, all in one step's manager: hidden states (B,T,d) predicting each target,
     * response masks (B,T) of 0/1, token log-ratios log pi(y_t) - log pi_ref(y_t) (B,T), response lengths
     * |y| (B). Chosen and rejected may have different T.
     */
    public record Batch(NDArray hiddenChosen, NDArray hiddenRejected, NDArray responseChosen,
                        NDArray responseRejected, NDArray logRatioChosen, NDArray logRatioRejected,
                        NDArray tokensChosen, NDArray tokensRejected) {
    }

    /** The head objective's value and its gradient with respect to u (d) and c (1), in the step's manager. */
    public record Objective(double value, NDArray gradWeight, NDArray gradBias) {
        public boolean finite() {
            return Double.isFinite(value) && Double.isFinite(gradWeight.abs().sum().toType(DataType.FLOAT64, false).getDouble())
                    && Double.isFinite(gradBias.abs().sum().toType(DataType.FLOAT64, false).getDouble());
        }
    }

    /** m_t * responseMask (B,T) from the current head, no graph, in {@code hidden}'s manager. */
    public NDArray masks(NDArray hidden, NDArray responseMask) {
        boolean gradMode = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try {
            NDManager step = hidden.getManager();
            return masks(hidden, responseMask, copyInto(step, weight), copyInto(step, bias));
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(gradMode);
        }
    }

    /**
     * sigmoid(hidden . u + c) * responseMask: hidden (B,T,d), responseMask (B,T), u (d), c (1); result (B,T) in
     * the type of {@code hidden}. Differentiable in u and c.
     */
    static NDArray masks(NDArray hidden, NDArray responseMask, NDArray u, NDArray c) {
        long d = u.getShape().get(0);
        if (hidden.getShape().dimension() != 3 || hidden.getShape().get(2) != d
                || !hidden.getShape().slice(0, 2).equals(responseMask.getShape())) {
            throw new IllegalArgumentException("MaskHead: hidden must be (B,T," + d + ") and the response mask (B,T), got "
                    + hidden.getShape() + " and " + responseMask.getShape());
        }
        NDArray logits = hidden.matMul(u.reshape(d, 1)).squeeze(-1).add(c); // (B,T)
        return Activation.sigmoid(logits).mul(responseMask.toType(hidden.getDataType(), false));
    }

    /** The head's objective at its current parameters (see the class comment). */
    public Objective objective(Batch batch, SpoLoss loss, NDManager step) {
        return objective(weight, bias, batch, loss, l1, step);
    }

    /**
     * The objective at given parameters u (d) and c (1), computed in their data type with autograd on copies
     * in {@code step} (float64 for the finite-difference test). The margin is fed to the loss as a log-ratio
     * with a zero reference: SigmoidLoss stops the gradient of the reference argument, and here the masked
     * reference sum depends on the masks just as the policy's does.
     */
    static Objective objective(NDArray weight, NDArray bias, Batch batch, SpoLoss loss, double l1, NDManager step) {
        NDArray u = copyInto(step, weight);
        NDArray c = copyInto(step, bias);
        u.setRequiresGradient(true);
        c.setRequiresGradient(true);
        DataType type = u.getDataType();
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray maskChosen = masks(batch.hiddenChosen().toType(type, false), batch.responseChosen(), u, c);
            NDArray maskRejected = masks(batch.hiddenRejected().toType(type, false), batch.responseRejected(), u, c);
            NDArray marginChosen = batch.logRatioChosen().toType(type, false).mul(maskChosen).sum(new int[] {1}); // (B)
            NDArray marginRejected = batch.logRatioRejected().toType(type, false).mul(maskRejected).sum(new int[] {1});
            NDArray zero = step.zeros(marginChosen.getShape(), type);
            PairLogProbs masked = new PairLogProbs(marginChosen, marginRejected, zero, zero,
                    batch.tokensChosen(), batch.tokensRejected(), null, null);
            NDArray total = loss.compute(masked).loss().add(SpoLoss.maskPenalty(maskChosen, maskRejected, l1));
            collector.backward(total);
            double value = total.toType(DataType.FLOAT64, false).getDouble();
            return new Objective(value, copyInto(step, u.getGradient()), copyInto(step, c.getGradient()));
        }
    }

    /**
     * One update of (u, c) from the objective on this batch; skipped (parameters unchanged) when the value or
     * the gradient is not finite. Returns the objective before the update.
     */
    public Objective update(Batch batch, SpoLoss loss, NDManager step) {
        Objective objective = objective(batch, loss, step);
        if (objective.finite()) {
            Map<String, NDArray> parameters = new LinkedHashMap<>();
            parameters.put(WEIGHT, weight);
            parameters.put(BIAS, bias);
            Map<String, NDArray> gradients = new LinkedHashMap<>();
            gradients.put(WEIGHT, objective.gradWeight());
            gradients.put(BIAS, objective.gradBias());
            optimizer.step(parameters, gradients, lr, step);
        }
        return objective;
    }

    /** Writes {@link #WEIGHTS_FILE} (u, c) and {@link #OPTIMIZER_FILE} into a checkpoint folder. */
    public void save(Path dir) throws IOException {
        weight.setName(WEIGHT);
        bias.setName(BIAS);
        try (OutputStream out = Files.newOutputStream(dir.resolve(WEIGHTS_FILE))) {
            new NDList(weight, bias).encode(out, NDList.Encoding.SAFETENSORS);
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(OPTIMIZER_FILE))) {
            optimizer.save(out);
        }
    }

    /** Whether a checkpoint folder holds a mask head. */
    public static boolean savedIn(Path dir) {
        return Files.exists(dir.resolve(WEIGHTS_FILE));
    }

    /** Restores u, c and the optimizer state written by {@link #save}. */
    public void load(Path dir) throws IOException {
        Path file = dir.resolve(WEIGHTS_FILE);
        Map<String, NDArray> byName = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (NDArray a : NDList.decode(manager, in)) {
                byName.put(a.getName(), a);
            }
        }
        NDArray loadedWeight = require(file, byName, WEIGHT, new Shape(width));
        NDArray loadedBias = require(file, byName, BIAS, new Shape(1));
        weight.close();
        bias.close();
        weight = loadedWeight;
        bias = loadedBias;
        try (InputStream in = Files.newInputStream(dir.resolve(OPTIMIZER_FILE))) {
            optimizer.load(in);
        }
    }

    private NDArray require(Path file, Map<String, NDArray> byName, String name, Shape shape) throws IOException {
        NDArray a = byName.get(name);
        if (a == null) {
            throw new IOException(file + ": no tensor '" + name + "' (found " + byName.keySet() + ")");
        }
        if (!a.getShape().equals(shape) || a.getDataType() != DataType.FLOAT32) {
            throw new IOException(file + ": tensor '" + name + "' is " + a.getDataType() + " " + a.getShape()
                    + ", this run's mask head needs float32 " + shape + " (the policy's hidden width is " + width + ")");
        }
        return a;
    }

    /** A copy of {@code array} owned by {@code manager} (ops whose receiver is a head array allocate in its manager). */
    private static NDArray copyInto(NDManager manager, NDArray array) {
        NDArray copy = array.duplicate();
        copy.attach(manager);
        return copy;
    }

    @Override
    public void close() {
        optimizer.close();
        manager.close();
    }
}
