package dev.untangle.policy;

import dev.untangle.wire.Alert;
import dev.untangle.wire.EvalEvent;
import dev.untangle.wire.StepEvent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyEvaluatorTest {
    /** both_down on every step with a flat step log-prob; evals falling 1 nat per 10 steps. */
    private static List<Alert> run(double evalWeight) {
        PolicyConfig policy = PolicyConfig.defaults();
        policy.evals.weight = evalWeight;
        PolicyEvaluator evaluator = new PolicyEvaluator(policy);
        RunState state = new RunState("r");
        for (long e = 0; e < 3; e++) { // evals at steps 0, 10, 20: slope -0.1 nats/step
            evaluator.onEval(state, new EvalEvent(EvalEvent.SCHEMA, "r", 10 * e, null, "sigmoid", 64,
                    -40.0 - e, -60.0, 0.5, 1.0, 2.0, 2.0, 0.2, 0.8, 0.0, 0.0));
        }
        List<Alert> alerts = new ArrayList<>();
        for (long s = 0; s < 30; s++) {
            alerts.addAll(evaluator.onStep(state, step(s)).alerts());
        }
        return alerts;
    }

    private static StepEvent step(long s) {
        return new StepEvent(StepEvent.SCHEMA, "r", s, null, "preference", "sigmoid", 0.5, 0.1, 1e-5, -40.0, -60.0,
                0.1, -0.4, 0.5, 1.0, 2.0, 2.0, 2.0, 0.5, 1.0, 1.0, 0.0, 1.2, 0.5, "both_down",
                null, null, null, null, null, null, null, null, null, 0.4, 0.05, 9000.0);
    }

    @Test
    void evalTrendCountsOnlyWithAWeight() {
        assertTrue(run(0.0).isEmpty(), "flat step log-prob: no trend, no fire");
        // weight 1: trend = eval slope -0.1 <= -0.05; fraction 1.0 from the first evaluation (step 9,
        // 10 probes), three in a row -> fires at step 11.
        List<Alert> alerts = run(1.0);
        assertEquals(1, alerts.size());
        assertEquals("chosen_falling", alerts.get(0).kind());
        assertEquals(11, alerts.get(0).step());
    }
}
