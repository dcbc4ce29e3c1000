package dev.untangle.monitor;

import dev.untangle.policy.PolicyConfig;
import dev.untangle.policy.PolicyEvaluator;
import dev.untangle.policy.RunState;
import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RunStateSerdeTest {
    /** A state with NaN samples, nulls, fired latches and a switch survives the store round trip exactly. */
    @Test
    void roundTripKeepsEveryFieldIncludingNaNAndNull() throws Exception {
        PolicyEvaluator evaluator = new PolicyEvaluator(PolicyConfig.defaults());
        RunState state = new RunState();
        for (String file : new String[] {"chosen-collapse", "non-finite"}) {
            for (String line : Files.readAllLines(TestEvents.shared().resolve("scenarios/" + file + ".jsonl")).subList(0, 60)) {
                evaluator.onStep(state, Json.read(line, StepEvent.class));
            }
        }
        state.switchesSent = 1;
        state.lastSwitchStep = 41L;
        state.evals.add(new RunState.EvalPoint(50, -41.5, null));
        RunState back = RunStateSerde.read(RunStateSerde.write(state));
        // JSON of both (NaN written as "NaN") compares every field, records by value
        assertEquals(Json.write(state), Json.write(back));
        assertEquals(20, back.window.size());
    }
}
