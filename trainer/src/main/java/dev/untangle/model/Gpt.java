package dev.untangle.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A GPT-2 decoder: token + learned position embeddings, pre-LN blocks (LayerNorm, causal self-attention,
 * residual; LayerNorm, tanh-GELU MLP of 4x width, residual), a final LayerNorm and a tied or untied head.
 * No dropout, so a forward pass is a deterministic function of the weights.
 *
 * <p>Parameters are held flat, under the Hugging Face GPT-2 tensor names and layouts
 * ({@code transformer.h.0.attn.c_attn.weight} is (width, 3*width), GPT-2's Conv1D (in, out) orientation),
 * so {@link GptWeights} maps a checkpoint onto the model by name without any transposes, and the forward
 * pass below reads top to bottom like nanoGPT's model file.
 *
 * <p>Forward: {@code NDList(ids (B,T) int64)} to {@code NDList(logits (B,T,V), hidden (B,T,width))}, where
 * hidden is the final LayerNorm's output, i.e. the head's input (used by the head-only closed form of
 * DESIGN.md section 1, "Why the inner product is large"). Logits at position t score the token at t+1.
 */
public final class Gpt extends AbstractBlock {

    private static final byte VERSION = 1;
    private static final float INIT_STD = 0.02f;

    private final GptConfig config;
    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    private final Parameter tokenEmbedding;
    private final Parameter positionEmbedding;
    private final List<BlockParameters> blocks = new ArrayList<>();
    private final Parameter finalNormWeight;
    private final Parameter finalNormBias;
    private final Parameter untiedHead;
    private long initSeed;

    /** The twelve tensors of one pre-LN block, in HF order. */
    private record BlockParameters(Parameter ln1Weight, Parameter ln1Bias, Parameter attnWeight,
                                   Parameter attnBias, Parameter attnProjWeight, Parameter attnProjBias,
                                   Parameter ln2Weight, Parameter ln2Bias, Parameter fcWeight, Parameter fcBias,
                                   Parameter mlpProjWeight, Parameter mlpProjBias) {
    }

    public Gpt(GptConfig config) {
        super(VERSION);
        this.config = config;
        // GPT-2 init (Radford et al. 2019, as in nanoGPT): normal(0, 0.02) everywhere, the two residual
        // output projections of every block scaled by 1/sqrt(2*layers), zero biases, LayerNorm weight 1.
        float residualStd = (float) (INIT_STD / Math.sqrt(2.0 * config.layers()));
        tokenEmbedding = param("transformer.wte.weight", Parameter.Type.WEIGHT, INIT_STD);
        positionEmbedding = param("transformer.wpe.weight", Parameter.Type.WEIGHT, INIT_STD);
        for (int i = 0; i < config.layers(); i++) {
            String p = "transformer.h." + i + ".";
            blocks.add(new BlockParameters(
                    param(p + "ln_1.weight", Parameter.Type.GAMMA, Float.NaN),
                    param(p + "ln_1.bias", Parameter.Type.BETA, 0f),
                    param(p + "attn.c_attn.weight", Parameter.Type.WEIGHT, INIT_STD),
                    param(p + "attn.c_attn.bias", Parameter.Type.BIAS, 0f),
                    param(p + "attn.c_proj.weight", Parameter.Type.WEIGHT, residualStd),
                    param(p + "attn.c_proj.bias", Parameter.Type.BIAS, 0f),
                    param(p + "ln_2.weight", Parameter.Type.GAMMA, Float.NaN),
                    param(p + "ln_2.bias", Parameter.Type.BETA, 0f),
                    param(p + "mlp.c_fc.weight", Parameter.Type.WEIGHT, INIT_STD),
                    param(p + "mlp.c_fc.bias", Parameter.Type.BIAS, 0f),
                    param(p + "mlp.c_proj.weight", Parameter.Type.WEIGHT, residualStd),
                    param(p + "mlp.c_proj.bias", Parameter.Type.BIAS, 0f)));
        }
        finalNormWeight = param("transformer.ln_f.weight", Parameter.Type.GAMMA, Float.NaN);
        finalNormBias = param("transformer.ln_f.bias", Parameter.Type.BETA, 0f);
        untiedHead = config.tiedHead() ? null : param("lm_head.weight", Parameter.Type.WEIGHT, INIT_STD);
        inputNames = List.of("ids");
    }

    public GptConfig config() {
        return config;
    }

    /**
     * Fills every parameter deterministically from {@code seed} (float32, on the manager's device). Each
     * tensor draws from its own generator seeded by (seed, tensor name), so values do not depend on the
     * order of initialization, the engine or the device.
     */
    public void initialize(NDManager manager, long seed) {
        initialize(manager, DataType.FLOAT32, seed);
    }

    /** As {@link #initialize(NDManager, long)} in the given floating type (float64 for gradient checks). */
    public void initialize(NDManager manager, DataType dataType, long seed) {
        if (byName.values().stream().anyMatch(Parameter::isInitialized)) {
            // DJL would silently keep the existing values; a caller asking for a seed expects that seed.
            throw new IllegalStateException("model is already initialized (or loaded); build a new Gpt to re-seed");
        }
        this.initSeed = seed;
        initialize(manager, dataType, new Shape(1, config.contextLength()));
    }

    /** Parameters by their Hugging Face tensor name, in HF order. Names are those written to safetensors. */
    public Map<String, Parameter> parametersByName() {
        return java.util.Collections.unmodifiableMap(byName);
    }

    /** The output head (V, width): the token embedding when tied, lm_head.weight otherwise. */
    public Parameter headParameter() {
        return config.tiedHead() ? tokenEmbedding : untiedHead;
    }

    /** The head's weight matrix (V, width), the live parameter array (do not close it). */
    public NDArray headWeight() {
        return headParameter().getArray();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray ids = inputs.singletonOrThrow();
        return forward(new OwnWeights(ps, ids.getDevice(), training), ids);
    }

    /**
     * Per-group copies of the parameters for {@link #forwardGrouped}: every tensor P of shape s becomes a
     * fresh leaf of shape (groups, s) holding P {@code groups} times, in {@code step} (never a view of the
     * parameter, which the optimizer updates in place). Made with autograd off, so each is a leaf of the
     * step's graph; trainable tensors get a gradient, frozen ones stay constants.
     */
    public Map<String, NDArray> groupedLeaves(NDManager step, int groups) {
        if (groups < 1) {
            throw new IllegalArgumentException("groups must be >= 1, got " + groups);
        }
        Map<String, NDArray> leaves = new LinkedHashMap<>();
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (Map.Entry<String, Parameter> e : byName.entrySet()) {
                NDArray copies;
                try (NDArray view = e.getValue().getArray().expandDims(0)) {
                    copies = view.repeat(0, groups);
                }
                copies.attach(step);
                leaves.put(e.getKey(), copies);
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
        leaves.forEach((name, copies) -> copies.setRequiresGradient(byName.get(name).requiresGradient()));
        return leaves;
    }

    /**
     * The same function as {@link #forward}, computed with per-group copies of the parameters (from
     * {@link #groupedLeaves}): the rows of {@code ids} (B,T) are split into G equal consecutive groups and
     * group g computes with copy g. The outputs equal the plain forward's, but after a backward the
     * gradient of copy g holds the contribution of group g's rows alone. Matrix products become batched
     * products over the group axis (the same FLOPs as one product over B rows), so one forward and one
     * backward give G separate gradients (the probe's G_w and G_l with G = 2; DESIGN.md section 1).
     */
    public NDList forwardGrouped(Map<String, NDArray> leaves, NDArray ids) {
        int groups = Math.toIntExact(leaves.get(tokenEmbedding.getName()).getShape().get(0));
        long rows = ids.getShape().get(0);
        if (rows % groups != 0) {
            throw new IllegalArgumentException("grouped forward: " + rows + " rows do not split into " + groups
                    + " equal groups");
        }
        return forward(new GroupedWeights(leaves, groups, rows / groups), ids);
    }

    /** The forward pass, reading parameters through {@code w} (the model's own, or per-group copies). */
    private NDList forward(Weights w, NDArray ids) {
        if (ids.getShape().dimension() != 2) {
            throw new IllegalArgumentException("Gpt expects ids of shape (B,T), got " + ids.getShape());
        }
        long time = ids.getShape().get(1);
        if (time > config.contextLength()) {
            throw new IllegalArgumentException("sequence length " + time + " exceeds the model's context length "
                    + config.contextLength());
        }
        NDArray x = w.embed(ids); // token + position embeddings (B,T,d)
        NDArray causalBias = causalBias(ids.getManager(), (int) time, x.getDataType(), ids.getDevice()); // (1,1,T,T)
        for (BlockParameters b : blocks) { // pre-LN residual blocks
            x = x.add(attention(w.layerNorm(x, b.ln1Weight, b.ln1Bias), b, causalBias, w));
            x = x.add(mlp(w.layerNorm(x, b.ln2Weight, b.ln2Bias), b, w));
        }
        NDArray hidden = w.layerNorm(x, finalNormWeight, finalNormBias); // (B,T,d)
        NDArray logits = w.head(hidden); // hidden W^T: (B,T,V)
        return new NDList(logits, hidden);
    }

    /** Causal multi-head self-attention with a fused QKV projection (GPT-2's c_attn). */
    private NDArray attention(NDArray x, BlockParameters b, NDArray causalBias, Weights w) {
        Shape s = x.getShape();
        long batch = s.get(0);
        long time = s.get(1);
        int heads = config.heads();
        int headDim = config.headDim();
        NDArray qkv = w.linear(x, b.attnWeight, b.attnBias); // (B,T,3d)
        NDList split = qkv.split(3, 2); // q, k, v each (B,T,d)
        NDArray q = split.get(0).reshape(batch, time, heads, headDim).transpose(0, 2, 1, 3); // (B,H,T,hd)
        NDArray k = split.get(1).reshape(batch, time, heads, headDim).transpose(0, 2, 3, 1); // (B,H,hd,T)
        NDArray v = split.get(2).reshape(batch, time, heads, headDim).transpose(0, 2, 1, 3); // (B,H,T,hd)
        NDArray scores = Scalars.times(q.matMul(k), 1.0 / Math.sqrt(headDim)).add(causalBias); // (B,H,T,T)
        NDArray y = scores.softmax(-1).matMul(v); // (B,H,T,hd)
        y = y.transpose(0, 2, 1, 3).reshape(batch, time, config.width()); // (B,T,d)
        return w.linear(y, b.attnProjWeight, b.attnProjBias);
    }

    /** Position-wise MLP: Conv1D to 4d, tanh-GELU, Conv1D back to d. */
    private NDArray mlp(NDArray x, BlockParameters b, Weights w) {
        NDArray h = w.linear(x, b.fcWeight, b.fcBias);
        return w.linear(geluTanh(h), b.mlpProjWeight, b.mlpProjBias);
    }

    /**
     * GPT-2's GELU, the tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). DJL's
     * Activation.gelu is the erf form, which does not reproduce imported GPT-2 weights (notes/djl.md).
     */
    static NDArray geluTanh(NDArray x) {
        // Constants through Scalars, and x*x*x rather than x.pow(3): DJL's number overloads free the
        // constant that autograd saved for the backward pass (see Scalars).
        double c = Math.sqrt(2.0 / Math.PI);
        NDArray inner = Scalars.times(Scalars.times(x.mul(x).mul(x), 0.044715).add(x), c);
        return Scalars.times(inner.tanh().add(1).mul(x), 0.5);
    }

    /** LayerNorm over the last axis only (LayerNorm.builder() without axis(2) would normalize over (T,d)). */
    private NDArray layerNorm(NDArray x, NDArray weight, NDArray bias) {
        return LayerNorm.layerNorm(x, new Shape(config.width()), weight, bias, config.layerNormEps()).head();
    }

    private static NDArray embed(NDArray ids, NDArray table) {
        return Embedding.embedding(ids, table, SparseFormat.DENSE).head();
    }

    /** The four kinds of parameterized op of the forward pass, by where the parameters come from. */
    private interface Weights {
        /** Token plus position embeddings of ids (B,T): (B,T,d). */
        NDArray embed(NDArray ids);

        /** GPT-2's Conv1D: x (B,T,in) times W (in,out) plus b. */
        NDArray linear(NDArray x, Parameter weight, Parameter bias);

        NDArray layerNorm(NDArray x, Parameter weight, Parameter bias);

        /** Logits hidden W^T with the (V,d) head. */
        NDArray head(NDArray hidden);
    }

    /** The model's own parameters, through the store (which may copy them across devices). */
    private final class OwnWeights implements Weights {
        private final ParameterStore store;
        private final Device device;
        private final boolean training;

        OwnWeights(ParameterStore store, Device device, boolean training) {
            this.store = store;
            this.device = device;
            this.training = training;
        }

        private NDArray of(Parameter p) {
            return store.getValue(p, device, training);
        }

        @Override
        public NDArray embed(NDArray ids) {
            // Ops take an activation as receiver so results live in the caller's (step) manager, not in
            // the parameters' long-lived manager (notes/djl.md, Memory).
            NDArray positions = ids.getManager().arange(0, (int) ids.getShape().get(1), 1, DataType.INT64)
                    .toDevice(device, false);
            return Gpt.embed(ids, of(tokenEmbedding)).add(Gpt.embed(positions, of(positionEmbedding)));
        }

        @Override
        public NDArray linear(NDArray x, Parameter weight, Parameter bias) {
            return x.matMul(of(weight)).add(of(bias));
        }

        @Override
        public NDArray layerNorm(NDArray x, Parameter weight, Parameter bias) {
            return Gpt.this.layerNorm(x, of(weight), of(bias));
        }

        @Override
        public NDArray head(NDArray hidden) {
            return Linear.linear(hidden, of(headParameter())).head();
        }
    }

    /**
     * Per-group parameter copies (G, ...): rows [g*B/G, (g+1)*B/G) compute with copy g. Matrix products
     * are batched over the group axis; LayerNorm runs once per group on that group's rows (fused affine,
     * no extra elementwise ops) and the groups are concatenated back.
     */
    private final class GroupedWeights implements Weights {
        private final Map<String, NDArray> leaves;
        private final int groups;
        private final long rowsPerGroup;

        GroupedWeights(Map<String, NDArray> leaves, int groups, long rowsPerGroup) {
            this.leaves = leaves;
            this.groups = groups;
            this.rowsPerGroup = rowsPerGroup;
        }

        private NDArray of(Parameter p) {
            NDArray copies = leaves.get(p.getName());
            if (copies == null) {
                throw new IllegalArgumentException("grouped forward: no copies of " + p.getName());
            }
            return copies;
        }

        @Override
        public NDArray embed(NDArray ids) {
            long time = ids.getShape().get(1);
            int vocab = config.vocabSize();
            int d = config.width();
            NDManager step = ids.getManager();
            // Group g looks its tokens up in its own copy: row id + g*V of the (G*V, d) stacked tables.
            long[] offsets = new long[groups];
            for (int g = 0; g < groups; g++) {
                offsets[g] = (long) g * vocab;
            }
            NDArray shifted = ids.toType(DataType.INT64, false).reshape(groups, rowsPerGroup, time)
                    .add(step.create(offsets, new Shape(groups, 1, 1)).toDevice(ids.getDevice(), false));
            NDArray tokens = Gpt.embed(shifted, of(tokenEmbedding).reshape((long) groups * vocab, d)); // (G,B/G,T,d)
            NDArray positions = of(positionEmbedding).get(new NDIndex(":, :{}, :", time)).expandDims(1); // (G,1,T,d)
            return tokens.add(positions).reshape(groups * rowsPerGroup, time, d);
        }

        @Override
        public NDArray linear(NDArray x, Parameter weight, Parameter bias) {
            Shape s = x.getShape();
            NDArray w = of(weight); // (G,in,out)
            long out = w.getShape().get(2);
            return x.reshape(groups, rowsPerGroup * s.get(1), s.get(2)).matMul(w)
                    .add(of(bias).expandDims(1)).reshape(s.get(0), s.get(1), out);
        }

        @Override
        public NDArray layerNorm(NDArray x, Parameter weight, Parameter bias) {
            NDArray gamma = of(weight);
            NDArray beta = of(bias);
            NDList parts = new NDList(groups);
            for (int g = 0; g < groups; g++) {
                NDArray rows = x.get(new NDIndex("{}:{}", g * rowsPerGroup, (g + 1) * rowsPerGroup));
                parts.add(Gpt.this.layerNorm(rows, gamma.get(g), beta.get(g)));
            }
            return groups == 1 ? parts.head() : NDArrays.concat(parts, 0);
        }

        @Override
        public NDArray head(NDArray hidden) {
            Shape s = hidden.getShape();
            NDArray w = of(headParameter()); // (G,V,d)
            return hidden.reshape(groups, rowsPerGroup * s.get(1), s.get(2)).matMul(w.transpose(0, 2, 1))
                    .reshape(s.get(0), s.get(1), w.getShape().get(1));
        }
    }

    /** Additive mask: 0 where key position <= query position, -inf above the diagonal. */
    private static NDArray causalBias(NDManager manager, int time, DataType type, Device device) {
        float[] bias = new float[time * time];
        for (int query = 0; query < time; query++) {
            Arrays.fill(bias, query * time + query + 1, (query + 1) * time, Float.NEGATIVE_INFINITY);
        }
        NDArray mask = manager.create(bias, new Shape(1, 1, time, time)).toDevice(device, false);
        return type == DataType.FLOAT32 ? mask : mask.toType(type, false);
    }

    private Parameter param(String name, Parameter.Type type, float std) {
        Parameter p = Parameter.builder().setName(name).setType(type).optInitializer(seeded(name, std))
                .build();
        byName.put(name, p);
        return addParameter(p);
    }

    /** std NaN means "ones" (LayerNorm weight), 0 means zeros, otherwise normal(0, std). */
    private Initializer seeded(String name, float std) {
        return (manager, shape, dataType) -> {
            int n = Math.toIntExact(shape.size());
            float[] values = new float[n];
            if (Float.isNaN(std)) {
                Arrays.fill(values, 1f);
            } else if (std != 0f) {
                Random random = new Random(initSeed * 0x9E3779B97F4A7C15L ^ name.hashCode());
                for (int i = 0; i < n; i++) {
                    values[i] = (float) (random.nextGaussian() * std);
                }
            }
            NDArray array = manager.create(values, shape);
            return dataType == DataType.FLOAT32 ? array : array.toType(dataType, false);
        };
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        for (Parameter p : byName.values()) {
            if (!p.isInitialized()) {
                p.setShape(expectedShape(p.getName()));
            }
        }
    }

    /** The shape a tensor of this model must have, by HF name; null for a name the model does not hold. */
    public Shape expectedShape(String name) {
        int d = config.width();
        int v = config.vocabSize();
        if (name.equals("transformer.wte.weight") || name.equals("lm_head.weight")) {
            return byName.containsKey(name) ? new Shape(v, d) : null;
        }
        if (name.equals("transformer.wpe.weight")) {
            return new Shape(config.contextLength(), d);
        }
        if (name.startsWith("transformer.ln_f.")) {
            return new Shape(d);
        }
        if (!byName.containsKey(name)) {
            return null;
        }
        String leaf = name.substring(name.indexOf('.', "transformer.h.".length()) + 1);
        return switch (leaf) {
            case "ln_1.weight", "ln_1.bias", "ln_2.weight", "ln_2.bias", "attn.c_proj.bias", "mlp.c_proj.bias" ->
                    new Shape(d);
            case "attn.c_attn.weight" -> new Shape(d, 3 * d);
            case "attn.c_attn.bias" -> new Shape(3 * d);
            case "attn.c_proj.weight" -> new Shape(d, d);
            case "mlp.c_fc.weight" -> new Shape(d, 4 * d);
            case "mlp.c_fc.bias" -> new Shape(4 * d);
            case "mlp.c_proj.weight" -> new Shape(4 * d, d);
            default -> null;
        };
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape ids = inputShapes[0];
        return new Shape[] {new Shape(ids.get(0), ids.get(1), config.vocabSize()),
                new Shape(ids.get(0), ids.get(1), config.width())};
    }

    @Override
    public String toString() {
        return "Gpt" + config;
    }
}
