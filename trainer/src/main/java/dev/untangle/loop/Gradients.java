package dev.untangle.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;

import java.util.LinkedHashMap;
import java.util.Map;

/** The trainable parameters of a block by name, and their gradients taken out after a backward. */
public final class Gradients {
    private final Map<String, Parameter> trainable = new LinkedHashMap<>();

    public Gradients(Block model) {
        for (Pair<String, Parameter> p : model.getParameters()) {
            if (p.getValue().requiresGradient()) {
                trainable.put(p.getKey(), p.getValue());
            }
        }
    }

    public Map<String, NDArray> parameterArrays() {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        trainable.forEach((name, p) -> arrays.put(name, p.getArray()));
        return arrays;
    }

    /**
     * Copies every trainable parameter's gradient into {@code step} and zeroes the parameter's own
     * gradient (gradients accumulate across backward calls and only an optimizer would zero them:
     * djl.md Gradients). The wrapper from getGradient() is attached to the step manager at once, or it
     * leaks one handle per parameter per step. Zeroing uses the engine's zero_(), which also clears NaN.
     */
    public Map<String, NDArray> take(NDManager step) {
        Map<String, NDArray> grads = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
            NDArray weight = e.getValue().getArray();
            NDArray wrapper = weight.getGradient();
            wrapper.attach(step);
            grads.put(e.getKey(), wrapper.duplicate());
            JniUtils.zeroGrad((PtNDArray) weight);
        }
        return grads;
    }
}
