package dev.untangle.report;

import dev.untangle.wire.Alert;
import dev.untangle.wire.ControlAck;
import dev.untangle.wire.EvalEvent;
import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A synthetic 120-step run whose numbers can be counted by hand (see {@link ReportWriterTest}):
 * <ul>
 *   <li>no probe on steps with step % 10 == 9 (12 steps), so 108 probe steps;</li>
 *   <li>undefined with every value NaN on steps 15, 33, 77 (3); both_up on 20, 21, 22 (3);
 *       both_down on the even steps 40..118 (40); ideal on the other 62;</li>
 *   <li>logps_chosen = -100 - 0.1*step, logps_rejected = -110 - 0.5*step;</li>
 *   <li>cosine 0.3 ideal, 0.9 both_down, 0.8 both_up: mean (62*0.3 + 40*0.9 + 3*0.8)/105 = 0.542857;</li>
 *   <li>loss sigmoid before step 60, ipo from 60, with an applied switch ack at 60 and a rejected one at 80;</li>
 *   <li>evals at 0, 20, ..., 120: chosen -50 - 0.05*step (change -6), rejected -55 - 0.2*step (change -24);</li>
 *   <li>a resume: steps 60..64 are first written with junk (chosen -999, both_up, sigmoid), then rewritten;</li>
 *   <li>two unreadable lines, one blank line, one alert line (non_finite at 15) in the events file;</li>
 *   <li>ratio_chosen 250 at step 100 and ratio_rejected -7 at step 2: two points beyond the ratio axis.</li>
 * </ul>
 */
final class SyntheticRun {
    private SyntheticRun() {
    }

    static void writeEvents(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        for (long step = 0; step < 65; step++) {
            lines.add(Json.write(step >= 60 ? junk(step) : step(step)));
            if (step % 20 == 0) {
                lines.add(Json.write(eval(step)));
            }
        }
        lines.add("{not json");
        lines.add("");
        lines.add("{\"schema\":\"untangle.mystery.v9\",\"run_id\":\"synth\"}");
        lines.add(Json.write(new ControlAck(ControlAck.SCHEMA, "c1", "synth", 60, "t", "switch_loss", "ipo", "applied", "checkpoint")));
        for (long step = 60; step < 120; step++) {
            lines.add(Json.write(step(step)));
            if (step % 20 == 0) {
                lines.add(Json.write(eval(step)));
            }
            if (step == 80) {
                lines.add(Json.write(new ControlAck(ControlAck.SCHEMA, "c2", "synth", 80, "t", "switch_loss", "bogus", "rejected", "unknown loss")));
            }
        }
        lines.add(Json.write(eval(120)));
        lines.add(Json.write(alert("a0", 15, "non_finite", "firing")));
        Files.write(file, lines);
    }

    static void writeAlerts(Path file) throws IOException {
        Files.write(file, List.of(
                Json.write(alert("a1", 45, "high_entanglement", "firing")),
                Json.write(alert("a2", 70, "chosen_falling", "firing")),
                Json.write(alert("a2", 90, "chosen_falling", "resolved"))));
    }

    static String caseOf(long step) {
        if (step % 10 == 9) {
            return null;
        }
        if (step == 15 || step == 33 || step == 77) {
            return "undefined";
        }
        if (step >= 20 && step <= 22) {
            return "both_up";
        }
        return step >= 40 && step % 2 == 0 ? "both_down" : "ideal";
    }

    private static StepEvent step(long step) {
        String c = caseOf(step);
        boolean nan = "undefined".equals(c);
        boolean probe = c != null;
        double cosine = c == null ? Double.NaN : switch (c) {
            case "ideal" -> 0.3;
            case "both_down" -> 0.9;
            case "both_up" -> 0.8;
            default -> Double.NaN;
        };
        double ratioChosen = step == 100 ? 250.0 : "both_down".equals(c) ? 1.5 : "both_up".equals(c) ? 0.7 : 0.5;
        double ratioRejected = step == 2 ? -7.0 : "both_down".equals(c) ? 0.8 : "both_up".equals(c) ? 1.4 : 0.6;
        double predicted = 0.01 * (step % 7 - 3);
        return new StepEvent(StepEvent.SCHEMA, "synth", step, "t", "preference", step < 60 ? "sigmoid" : "ipo",
                nan ? Double.NaN : 0.69 - 0.001 * step, 0.1, 1e-4,
                nan ? Double.NaN : -100 - 0.1 * step, nan ? Double.NaN : -110 - 0.5 * step,
                0.0, 0.0, nan ? Double.NaN : 0.01 * step, nan ? Double.NaN : 0.5 + 0.004 * step,
                probe ? 1.0 : null, probe ? 2.0 : null, probe ? 2.0 : null, probe ? cosine : null,
                probe ? 1.0 : null, probe ? 1.0 : null, 0.0,
                probe ? (nan ? Double.NaN : ratioChosen) : null, probe ? (nan ? Double.NaN : ratioRejected) : null, c,
                probe && !nan ? predicted : null, probe && !nan ? -predicted : null,
                probe && !nan ? 0.9 * predicted : null, probe && !nan ? -0.9 * predicted : null,
                null, null, null, null, null,
                1.0 + (step % 5) * 0.1, probe ? 0.5 : null, 1000.0 + step);
    }

    private static StepEvent junk(long step) {
        StepEvent s = step(step);
        return new StepEvent(s.schema(), s.runId(), s.step(), s.time(), s.stage(), "sigmoid", s.loss(), s.beta(), s.lr(),
                -999.0, s.logpsRejected(), s.rewardsChosen(), s.rewardsRejected(), s.rewardsMargin(), s.rewardsAccuracy(),
                s.gradInnerProduct(), s.gradNormChosen(), s.gradNormRejected(), s.gradCosine(), s.lambdaChosen(),
                s.lambdaRejected(), s.nllAlpha(), s.ratioChosen(), s.ratioRejected(), "both_up",
                s.predictedDeltaChosen(), s.predictedDeltaRejected(), s.measuredDeltaChosen(), s.measuredDeltaRejected(),
                null, null, null, null, null, s.stepSeconds(), s.probeSeconds(), s.tokensPerSecond());
    }

    private static EvalEvent eval(long step) {
        return new EvalEvent(EvalEvent.SCHEMA, "synth", step, "t", step < 60 ? "sigmoid" : "ipo", 16,
                -50 - 0.05 * step, -55 - 0.2 * step, 0.5, 1.0, 2.0, 2.0, 0.75, 0.25, 0.0, 0.0);
    }

    private static Alert alert(String id, long step, String kind, String state) {
        return new Alert(Alert.SCHEMA, id, "synth", step, "t", kind, state, "warning", "synthetic", 1.0, 0.5);
    }
}
