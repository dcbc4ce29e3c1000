package dev.untangle.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.pytorch.jni.JniUtils;
import dev.untangle.model.GptConfig;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The probe's single-pass forward: chosen and rejected rows go through the model in ONE forward, yet
 * ONE backward yields G_w and G_l separately (DESIGN.md section 1, batch form).
 *
 * <p>Why it works: every trainable tensor P is replaced, for this step only, by a fresh leaf P2 of shape
 * (2, ...) holding two copies of P; group 0 (the chosen rows) computes with P2[0], group 1 (the rejected
 * rows) with P2[1]. The function computed is unchanged, and because the two groups touch disjoint copies,
 * the backward of S = sum_i a_i*lw_i + sum_i b_i*ll_i leaves dS/dP2[0] = G_w and dS/dP2[1] = G_l. The
 * matrix products become batched products over the group axis (the same FLOPs as one product over 2B
 * rows), so the step costs one forward and one backward of 2B rows, like the plain DPO step, instead of
 * two half-batch forwards and two backward passes (bench/RESULTS.md).
 *
 * <p>The forward mirrors {@link dev.untangle.model.Gpt} op for op (token + position embeddings, pre-LN
 * blocks with fused-QKV causal attention and a tanh-GELU MLP, final LayerNorm, tied or untied head);
 * LayerNorm's affine part is applied after a plain normalization so it can differ per group. Agreement
 * with Gpt is a test (GroupedForwardTest), and PreferenceStepTest checks that the update still equals the
 * loss's own gradient.
 */
final class GroupedForward {
    static final int GROUPS = 2;

    private final GptConfig config;
    private final Map<String, Parameter> parameters;

    GroupedForward(GptConfig config, Map<String, Parameter> parametersByName) {
        this.config = config;
        this.parameters = parametersByName;
    }

    /**
     * Two-copy leaves of every trainable tensor, in {@code step}, made with autograd off so each is a leaf
     * of this step's graph (the parameters themselves stay out of it and collect no gradient).
     */
    Map<String, NDArray> leaves(NDManager step) {
        Map<String, NDArray> leaves = new LinkedHashMap<>();
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
                // A fresh contiguous (2, ...) tensor in the step's manager: never a view of the parameter
                // (the optimizer updates parameters in place) and created with autograd off, so a leaf.
                NDArray value = e.getValue().getArray();
                NDArray two = step.zeros(new Shape(prepend(value.getShape())), value.getDataType(), value.getDevice());
                two.set(new NDIndex("0"), value);
                two.set(new NDIndex("1"), value);
                leaves.put(e.getKey(), two);
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
        // Frozen tensors keep their two copies as constants; only trainable ones get a gradient.
        leaves.forEach((name, a) -> a.setRequiresGradient(parameters.get(name).requiresGradient()));
        return leaves;
    }

    private static long[] prepend(Shape shape) {
        long[] dims = new long[shape.dimension() + 1];
        dims[0] = GROUPS;
        System.arraycopy(shape.getShape(), 0, dims, 1, shape.dimension());
        return dims;
    }

    /**
     * ids (2B,T): rows 0..B-1 chosen (group 0), B..2B-1 rejected (group 1). Returns logits (2B,T,V) and
     * hidden (2B,T,d), as {@link dev.untangle.model.Gpt#forward} would for the same rows.
     */
    NDList forward(Map<String, NDArray> w, NDArray ids) {
        long rows = ids.getShape().get(0);
        long time = ids.getShape().get(1);
        if (rows % GROUPS != 0) {
            throw new IllegalArgumentException("grouped forward needs an even number of rows, got " + rows);
        }
        long half = rows / GROUPS;
        int d = config.width();
        int vocab = config.vocabSize();
        NDManager step = ids.getManager();
        // Token embedding: group g looks up rows of its own copy, i.e. row id + g*V of the (2V,d) table.
        NDArray groupOffset = step.create(new long[] {0, vocab}, new Shape(GROUPS, 1, 1));
        NDArray groupedIds = ids.toType(DataType.INT64, false).reshape(GROUPS, half, time).add(groupOffset);
        NDArray wte = w.get("transformer.wte.weight"); // (2,V,d)
        NDArray tokens = Embedding.embedding(groupedIds, wte.reshape(GROUPS * (long) vocab, d), SparseFormat.DENSE)
                .head(); // (2,B,T,d)
        NDArray positions = w.get("transformer.wpe.weight").get(new NDIndex(":, :{}, :", time)).expandDims(1); // (2,1,T,d)
        NDArray x = tokens.add(positions).reshape(GROUPS, half * time, d); // (2,BT,d)
        DataType type = wte.getDataType();
        NDArray causalBias = causalBias(step, (int) time, type);
        NDArray ones = step.ones(new Shape(d), type);
        NDArray zeros = step.zeros(new Shape(d), type);
        for (int layer = 0; layer < config.layers(); layer++) {
            String p = "transformer.h." + layer + ".";
            x = x.add(attention(layerNorm(x, w, p + "ln_1", ones, zeros), w, p, causalBias, half, time));
            x = x.add(mlp(layerNorm(x, w, p + "ln_2", ones, zeros), w, p));
        }
        NDArray hidden = layerNorm(x, w, "transformer.ln_f", ones, zeros); // (2,BT,d)
        NDArray head = w.containsKey("lm_head.weight") && !config.tiedHead() ? w.get("lm_head.weight") : wte;
        NDArray logits = hidden.matMul(head.transpose(0, 2, 1)); // (2,BT,V)
        return new NDList(logits.reshape(rows, time, vocab), hidden.reshape(rows, time, d));
    }

    /** Causal multi-head self-attention, as Gpt.attention, on the 2B rows (attention has no parameters). */
    private NDArray attention(NDArray x, Map<String, NDArray> w, String p, NDArray causalBias, long half, long time) {
        long batch = GROUPS * half;
        int heads = config.heads();
        int headDim = config.headDim();
        NDArray qkv = linear(x, w, p + "attn.c_attn").reshape(batch, time, 3L * config.width()); // (2B,T,3d)
        NDList split = qkv.split(3, 2);
        NDArray q = split.get(0).reshape(batch, time, heads, headDim).transpose(0, 2, 1, 3); // (2B,H,T,hd)
        NDArray k = split.get(1).reshape(batch, time, heads, headDim).transpose(0, 2, 3, 1); // (2B,H,hd,T)
        NDArray v = split.get(2).reshape(batch, time, heads, headDim).transpose(0, 2, 1, 3); // (2B,H,T,hd)
        NDArray scores = q.matMul(k).mul(1.0 / Math.sqrt(headDim)).add(causalBias); // (2B,H,T,T)
        NDArray y = scores.softmax(-1).matMul(v); // (2B,H,T,hd)
        y = y.transpose(0, 2, 1, 3).reshape(GROUPS, half * time, config.width()); // (2,BT,d)
        return linear(y, w, p + "attn.c_proj");
    }

    private NDArray mlp(NDArray x, Map<String, NDArray> w, String p) {
        NDArray h = linear(x, w, p + "mlp.c_fc");
        return linear(geluTanh(h), w, p + "mlp.c_proj");
    }

    /** GPT-2 Conv1D per group: x (2,N,in) times W (2,in,out), plus b (2,out) broadcast over rows. */
    private static NDArray linear(NDArray x, Map<String, NDArray> w, String name) {
        return x.matMul(w.get(name + ".weight")).add(w.get(name + ".bias").expandDims(1));
    }

    private NDArray layerNorm(NDArray x, Map<String, NDArray> w, String name, NDArray ones, NDArray zeros) {
        NDArray normalized = LayerNorm.layerNorm(x, new Shape(config.width()), ones, zeros, config.layerNormEps()).head();
        return normalized.mul(w.get(name + ".weight").expandDims(1)).add(w.get(name + ".bias").expandDims(1));
    }

    /** Gpt.geluTanh, same op order (x*x*x rather than pow: see Gpt). */
    private static NDArray geluTanh(NDArray x) {
        double c = Math.sqrt(2.0 / Math.PI);
        return x.mul(x).mul(x).mul(0.044715).add(x).mul(c).tanh().add(1).mul(x).mul(0.5);
    }

    private static NDArray causalBias(NDManager manager, int time, DataType type) {
        float[] bias = new float[time * time];
        for (int query = 0; query < time; query++) {
            Arrays.fill(bias, query * time + query + 1, (query + 1) * time, Float.NEGATIVE_INFINITY);
        }
        NDArray mask = manager.create(bias, new Shape(1, 1, time, time));
        return type == DataType.FLOAT32 ? mask : mask.toType(type, false);
    }

    /**
     * The gradients of the trainable leaves split by group: {G_w, G_l} (group 0 = chosen, 1 = rejected),
     * views into one gradient array per tensor, in {@code step}.
     */
    @SuppressWarnings("unchecked")
    static Map<String, NDArray>[] gradients(Map<String, NDArray> leaves, NDManager step) {
        Map<String, NDArray> chosen = new LinkedHashMap<>();
        Map<String, NDArray> rejected = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : leaves.entrySet()) {
            if (!e.getValue().hasGradient()) {
                continue;
            }
            NDArray grad = e.getValue().getGradient();
            grad.attach(step);
            chosen.put(e.getKey(), grad.get(0));
            rejected.put(e.getKey(), grad.get(1));
        }
        return new Map[] {chosen, rejected};
    }
}
