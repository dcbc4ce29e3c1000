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

    /**
     * --probe-every 2: even steps probed (0.55 s), odd steps plain (0.50 s), except the warm-up steps,
     * which are slow (3 s) and must not count: overhead 0.55/0.50 = 1.100.
     */
    @Test
    void probeOverheadIsTheRatioOfProbeAndPlainStepMediansAfterWarmup(@TempDir Path dir) throws IOException {
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            double seconds = i < RunSummary.WARMUP_STEPS ? 3.0 : i % 2 == 0 ? 0.55 : 0.50;
            lines.add(Json.write(timed(i, i % 2 == 0 ? "ideal" : null, seconds)));
        }
        RunSummary s = RunSummary.of(EventLog.read(Files.write(dir.resolve("e.jsonl"), lines), null));
        assertEquals(0.55, s.medianProbeStepSeconds(), 1e-12);
        assertEquals(0.50, s.medianPlainStepSeconds(), 1e-12);
        assertEquals(1.1, s.probeOverhead(), 1e-12);
        RunSummary probedOnly = RunSummary.of(EventLog.read(Files.write(dir.resolve("p.jsonl"),
                List.of(Json.write(timed(0, "ideal", 1.0)))), null));
        assertTrue(Double.isNaN(probedOnly.probeOverhead()), "no plain steps: no ratio");
    }

    /** A probe step (caseLabel non-null) carries the probe's lambda fields, a plain step none. */
    private static StepEvent timed(long step, String caseLabel, double seconds) {
        Double lambda = caseLabel == null ? null : 1.0;
        return new StepEvent(StepEvent.SCHEMA, "r", step, "t", "preference", "sigmoid", 0.5, 0.1, 1e-4, -1.0, -2.0,
                null, null, null, null, null, null, null, null, lambda, lambda, null, null, null, caseLabel,
                null, null, null, null, null, null, null, null, null, seconds, null, 100.0);
    }

    private static StepEvent step(long step, String loss, double chosen) {
        return new StepEvent(StepEvent.SCHEMA, "r", step, "t", "preference", loss, 0.5, 0.1, 1e-4, chosen, -2.0,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, 1.0, null, 100.0);
    }
}
