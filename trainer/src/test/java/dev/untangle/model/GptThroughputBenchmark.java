package dev.untangle.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Forward+backward tokens/s of the "small" preset at T=256, B=16 for a few vocabulary sizes. Off by
 * default; run with -Duntangle.bench=true (-Duntangle.bench.vocabs=4096,8192 -Duntangle.bench.steps=8).
 * Vocabularies are interleaved and medians reported because this VM shows sporadic outlier steps.
 */
class GptThroughputBenchmark {

    @Test
    void smallPresetForwardBackward() {
        assumeTrue(Boolean.getBoolean("untangle.bench"), "benchmark: set -Duntangle.bench=true");
        int[] vocabs = Arrays.stream(System.getProperty("untangle.bench.vocabs", "4096,8192").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int steps = Integer.getInteger("untangle.bench.steps", 8);
        int batch = 16;
        int time = 256;
        try (NDManager root = NDManager.newBaseManager()) {
            Gpt[] models = new Gpt[vocabs.length];
            for (int i = 0; i < vocabs.length; i++) {
                models[i] = new Gpt(GptConfig.preset("small", vocabs[i]));
                models[i].initialize(root, 1);
            }
            double[][] seconds = new double[vocabs.length][steps];
            for (int step = -3; step < steps; step++) {
                for (int i = 0; i < vocabs.length; i++) {
                    double s = step(models[i], root, batch, time, step + 100);
                    if (step >= 0) {
                        seconds[i][step] = s;
                    }
                }
            }
            for (int i = 0; i < vocabs.length; i++) {
                double[] sorted = seconds[i].clone();
                Arrays.sort(sorted);
                double median = sorted[steps / 2];
                System.out.printf("small d=128 L=4 V=%d T=%d B=%d params=%,d device=%s: median %.3f s/step, "
                                + "%.0f tokens/s (min %.3f, max %.3f)%n", vocabs[i], time, batch,
                        models[i].config().parameterCount(), root.getDevice(), median, batch * time / median,
                        sorted[0], sorted[steps - 1]);
            }
        }
    }

    private static double step(Gpt model, NDManager root, int batch, int time, long seed) {
        long start = System.nanoTime();
        try (NDManager stepManager = root.newSubManager();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray ids = stepManager.create(GptTest.randomIds(seed, batch, time, model.config().vocabSize()));
            NDList out = model.forward(new ParameterStore(stepManager, false), new NDList(ids), true);
            NDArray loss = TokenLogProbs.ofNextTokens(out.get(0), ids).sum().neg();
            collector.backward(loss);
            for (Parameter p : model.parametersByName().values()) {
                NDArray gradient = p.getArray().getGradient();
                gradient.attach(stepManager);
                gradient.subi(gradient);
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
