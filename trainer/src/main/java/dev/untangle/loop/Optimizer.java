package dev.untangle.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Our own optimizers with named state, so a checkpoint can hold the exact state and a resume is
 * bit-exact (DJL's Adam has no save API: djl.md Checkpoints). {@link #step} returns the update that was
 * applied, theta_after - theta_before, per parameter: the probe's optimizer-aware first-order prediction
 * is the inner product of a gradient with it (DESIGN.md section 1, Optimizer awareness).
 */
public abstract class Optimizer implements AutoCloseable {
    protected final NDManager stateManager;
    protected long steps;

    protected Optimizer(NDManager parent) {
        this.stateManager = parent.newSubManager();
    }

    public static Optimizer create(String name, double weightDecay, NDManager parent) {
        return switch (name) {
            case "adamw", "adam" -> new AdamW(parent, 0.9, 0.999, 1e-8, weightDecay);
            case "sgd" -> new Sgd(parent);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "' (known: adamw, sgd)");
        };
    }

    public abstract String name();

    /**
     * Applies one update with learning rate {@code lr} to every named parameter from its gradient
     * (the loss's gradient, descent direction is its negative). Runs with autograd off on this thread.
     *
     * @return per parameter the applied change, allocated in {@code stepManager}
     */
    public final Map<String, NDArray> step(Map<String, NDArray> parameters, Map<String, NDArray> gradients,
                                           double lr, NDManager stepManager) {
        steps++;
        Map<String, NDArray> deltas = new LinkedHashMap<>();
        boolean gradMode = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try {
            for (Map.Entry<String, NDArray> p : parameters.entrySet()) {
                NDArray grad = gradients.get(p.getKey());
                if (grad == null) {
                    continue;
                }
                NDArray delta = update(p.getKey(), p.getValue(), grad, lr, stepManager);
                delta.attach(stepManager);
                p.getValue().addi(delta);
                deltas.put(p.getKey(), delta);
            }
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(gradMode);
        }
        return deltas;
    }

    /** The change to add to {@code weight} for this parameter (state updated in place). */
    protected abstract NDArray update(String name, NDArray weight, NDArray grad, double lr, NDManager stepManager);

    public long steps() {
        return steps;
    }

    /** Writes the optimizer state (named tensors plus the step count) as safetensors. */
    public void save(OutputStream out) throws IOException {
        NDList list = new NDList();
        for (Map.Entry<String, NDArray> e : state().entrySet()) {
            NDArray a = e.getValue();
            a.setName(e.getKey());
            list.add(a);
        }
        NDArray count = stateManager.create(new long[] {steps});
        count.setName("__steps__");
        list.add(count);
        list.encode(out, NDList.Encoding.SAFETENSORS);
        count.close();
    }

    public void load(InputStream in) throws IOException {
        NDList list = NDList.decode(stateManager, in);
        Map<String, NDArray> loaded = new LinkedHashMap<>();
        for (NDArray a : list) {
            if ("__steps__".equals(a.getName())) {
                steps = a.toLongArray()[0];
            } else {
                loaded.put(a.getName(), a);
            }
        }
        restore(loaded);
    }

    protected abstract Map<String, NDArray> state();

    protected abstract void restore(Map<String, NDArray> state);

    @Override
    public void close() {
        stateManager.close();
    }

    /** AdamW (decoupled weight decay), bias-corrected, state m and v per parameter name. */
    public static final class AdamW extends Optimizer {
        private final double beta1;
        private final double beta2;
        private final double eps;
        private final double weightDecay;
        private final Map<String, NDArray> firstMoment = new LinkedHashMap<>();
        private final Map<String, NDArray> secondMoment = new LinkedHashMap<>();

        AdamW(NDManager parent, double beta1, double beta2, double eps, double weightDecay) {
            super(parent);
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.weightDecay = weightDecay;
        }

        @Override
        public String name() {
            return "adamw";
        }

        @Override
        protected NDArray update(String name, NDArray weight, NDArray grad, double lr, NDManager stepManager) {
            NDArray m = firstMoment.computeIfAbsent(name, k -> stateManager.zeros(weight.getShape()));
            NDArray v = secondMoment.computeIfAbsent(name, k -> stateManager.zeros(weight.getShape()));
            try (NDManager scratch = stepManager.newSubManager()) {
                // Ops whose receiver lives in the optimizer's manager allocate there: move each
                // intermediate into the scratch manager at once (djl.md Memory).
                NDArray g = into(scratch, grad.duplicate());
                m.muli(beta1).addi(g.mul(1 - beta1));
                v.muli(beta2).addi(g.square().muli(1 - beta2));
                double correction1 = 1 - Math.pow(beta1, steps);
                double correction2 = 1 - Math.pow(beta2, steps);
                NDArray denom = into(scratch, into(scratch, v.div(correction2)).sqrt()).addi(eps);
                NDArray delta = into(scratch, m.div(denom)).muli(-lr / correction1);
                if (weightDecay > 0) {
                    delta.addi(into(scratch, weight.mul(-lr * weightDecay)));
                }
                delta.attach(stepManager);
                return delta;
            }
        }

        private static NDArray into(NDManager manager, NDArray array) {
            array.attach(manager);
            return array;
        }

        @Override
        protected Map<String, NDArray> state() {
            Map<String, NDArray> all = new LinkedHashMap<>();
            firstMoment.forEach((k, a) -> all.put("m." + k, a));
            secondMoment.forEach((k, a) -> all.put("v." + k, a));
            return all;
        }

        @Override
        protected void restore(Map<String, NDArray> state) {
            firstMoment.clear();
            secondMoment.clear();
            state.forEach((k, a) -> {
                if (k.startsWith("m.")) {
                    firstMoment.put(k.substring(2), a);
                } else if (k.startsWith("v.")) {
                    secondMoment.put(k.substring(2), a);
                }
            });
        }
    }

    /** Plain gradient descent: delta = -lr * grad. Used where the first-order prediction must be exact. */
    public static final class Sgd extends Optimizer {
        Sgd(NDManager parent) {
            super(parent);
        }

        @Override
        public String name() {
            return "sgd";
        }

        @Override
        protected NDArray update(String name, NDArray weight, NDArray grad, double lr, NDManager stepManager) {
            NDArray delta = grad.mul(-lr);
            delta.attach(stepManager);
            return delta;
        }

        @Override
        protected Map<String, NDArray> state() {
            return Map.of();
        }

        @Override
        protected void restore(Map<String, NDArray> state) {
        }
    }
}
