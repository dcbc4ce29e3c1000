package dev.untangle.preference;

import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import dev.untangle.data.EncodedPair;
import dev.untangle.loop.Batches;
import dev.untangle.loop.Optimizer;
import dev.untangle.loss.LossConfig;
import dev.untangle.loss.Losses;
import dev.untangle.loss.PreferenceLoss;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import dev.untangle.probe.PreferenceStep;
import dev.untangle.probe.StepOutcome;
import dev.untangle.wire.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The step event's head_inner_product (DESIGN.md section 2) in the JSON the trainer writes: the number the
 * probe step computed on probe steps with extras, null (never "NaN") without extras and without a probe.
 */
class StepEventsTest {
    private static final List<EncodedPair> PAIRS = List.of(
            new EncodedPair(new int[] {3, 7, 9}, new int[] {5, 6, 2, 11}, new int[] {5, 8, 2}, "t", 1),
            new EncodedPair(new int[] {1, 4}, new int[] {12, 13, 14, 15, 16}, new int[] {17, 13, 19}, "t", 2));

    @Test
    void headInnerProductIsInTheJsonOfProbeStepsWithExtras() throws Exception {
        try (NDManager m = NDManager.newBaseManager(); Optimizer sgd = Optimizer.create("sgd", 0, m)) {
            Gpt model = new Gpt(GptConfig.preset("tiny", 40).withTiedHead(false));
            model.initialize(m, 5);
            PreferenceLoss loss = Losses.create("sigmoid", LossConfig.defaults());
            PreferenceStep stepper = new PreferenceStep(model, new ParameterStore(m, false));
            PreferenceStep.Inputs in = new PreferenceStep.Inputs(Batches.chosen(PAIRS, 0, m), Batches.rejected(PAIRS, 0, m),
                    new double[] {-14, -20}, new double[] {-11, -12}, null, null);

            JsonNode probeWithExtras = event(stepper, loss, sgd, in, true, true, m);
            JsonNode value = probeWithExtras.get("head_inner_product");
            assertTrue(value.isNumber() && value.asDouble() != 0, "a number on a probe step with extras: " + value);
            assertTrue(probeWithExtras.get("grad_inner_product").isNumber(), "the full inner product beside it");

            JsonNode probeOnly = event(stepper, loss, sgd, in, true, false, m);
            assertTrue(probeOnly.has("head_inner_product") && probeOnly.get("head_inner_product").isNull(),
                    "null without extras: " + probeOnly.get("head_inner_product"));
            JsonNode plain = event(stepper, loss, sgd, in, false, false, m);
            assertTrue(plain.get("head_inner_product").isNull(), "null without a probe");
        }
    }

    private static JsonNode event(PreferenceStep stepper, PreferenceLoss loss, Optimizer optimizer,
                                  PreferenceStep.Inputs in, boolean probe, boolean extras, NDManager m) throws Exception {
        try (NDManager step = m.newSubManager()) {
            StepOutcome o = stepper.run(loss, optimizer, 1e-3, in, probe, false, extras, step);
            String json = Json.write(StepEvents.of("run-1", 3, loss, 1e-3, o, null, null));
            JsonNode node = Json.MAPPER.readTree(json);
            if (probe && extras) {
                assertEquals(o.headInnerProduct(), node.get("head_inner_product").asDouble(), 0.0, "the step's own value");
            }
            return node;
        }
    }
}
