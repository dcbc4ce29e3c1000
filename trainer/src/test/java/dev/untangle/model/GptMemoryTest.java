package dev.untangle.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.lang.reflect.Field;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A training loop whose steps each live in a sub-manager leaves the root manager's resource count constant
 * (notes/djl.md, Memory): the model allocates nothing in the parameters' manager during forward/backward.
 */
class GptMemoryTest {

    private static final int VOCAB = 64;

    private static int resources(NDManager manager) throws ReflectiveOperationException {
        Field field = BaseNDManager.class.getDeclaredField("resources");
        field.setAccessible(true);
        return ((Map<?, ?>) field.get(manager)).size();
    }

    @Test
    void stepsInSubManagersDoNotGrowTheRootManager() throws ReflectiveOperationException {
        try (NDManager root = NDManager.newBaseManager()) {
            Gpt model = new Gpt(GptConfig.preset("tiny", VOCAB));
            model.initialize(root, 5);
            int before = -1;
            for (int step = 0; step < 6; step++) {
                try (NDManager stepManager = root.newSubManager();
                     GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray ids = stepManager.create(GptTest.randomIds(step, 4, 16, VOCAB));
                    NDList out = model.forward(new ParameterStore(stepManager, false), new NDList(ids), true);
                    NDArray loss = TokenLogProbs.ofNextTokens(out.get(0), ids).sum().neg();
                    collector.backward(loss);
                    for (Parameter p : model.parametersByName().values()) {
                        NDArray gradient = p.getArray().getGradient();
                        gradient.attach(stepManager); // the wrapper is born in the parameter's manager
                        gradient.subi(gradient);
                    }
                }
                if (step == 0) {
                    before = resources(root);
                }
            }
            assertEquals(before, resources(root), "root manager resources after 6 steps");
            assertEquals(model.parametersByName().size(), before, "only the parameters live in the root");
        }
    }
}
