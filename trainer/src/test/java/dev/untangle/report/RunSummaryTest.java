package dev.untangle.report;

import dev.untangle.wire.ControlAck;
import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunSummaryTest {

    @Test
    void anAckWithNoStepAfterItIsStillASwitch(@TempDir Path dir) throws IOException {
        // the run stopped right after applying the switch: no step on the new loss yet
        Path events = Files.write(dir.resolve("e.jsonl"), List.of(
                Json.write(step(0, "sigmoid", -1.0)), Json.write(step(1, "sigmoid", Double.NaN)),
                Json.write(new ControlAck(ControlAck.SCHEMA, "c", "r", 2, "t", "switch_loss", "npo", "applied", ""))));
        RunSummary s = RunSummary.of(EventLog.read(events, null));
        assertEquals(List.of(new RunSummary.Switch(2, "sigmoid", "npo")), s.switches());
        // the NaN log-prob of step 1 is left out of the mean, not propagated; window is 1 step for 2 steps
        assertEquals(1, s.window());
        assertEquals(-1.0, s.firstChosen());
        assertTrue(Double.isNaN(s.lastChosen()), "the last step alone has no finite chosen log-prob");
        assertTrue(Double.isNaN(s.fraction("ideal")), "no probe steps: no fractions");
    }

    @Test
    void chartLinesSkipMissingAndNonFinitePoints() {
        List<StepEvent> steps = List.of(step(0, "sigmoid", -1.0), step(1, "sigmoid", Double.NaN), step(2, "sigmoid", -3.0),
                step(3, "sigmoid", Double.POSITIVE_INFINITY));
        Charts.Line line = Charts.Line.of("chosen", Charts.CHOSEN, steps, StepEvent::step, StepEvent::logpsChosen);
        assertArrayEquals(new double[]{0, 2}, line.x());
        assertArrayEquals(new double[]{-1, -3}, line.y());
        // a missing x (no prediction on a step) drops the point too
        Charts.Line scatter = Charts.Line.of("s", Charts.CHOSEN, steps, e -> e.step() == 0 ? Double.NaN : e.step(), StepEvent::logpsChosen);
        assertArrayEquals(new double[]{2}, scatter.x());
    }

    @Test
    void mediansOfEvenAndOddCounts() {
        assertEquals(2.5, RunSummary.median(List.of(4.0, 1.0, 3.0, 2.0), d -> d));
        assertEquals(3.0, RunSummary.median(List.of(5.0, 1.0, 3.0, Double.NaN), d -> d));
        assertTrue(Double.isNaN(RunSummary.median(List.<Double>of(), d -> d)));
    }

    private static StepEvent step(long step, String loss, double chosen) {
        return new StepEvent(StepEvent.SCHEMA, "r", step, "t", "preference", loss, 0.5, 0.1, 1e-4, chosen, -2.0,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, 1.0, null, 100.0);
    }
}
