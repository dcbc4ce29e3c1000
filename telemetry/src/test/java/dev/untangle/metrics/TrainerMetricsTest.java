package dev.untangle.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.untangle.wire.StepEvent;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class TrainerMetricsTest {

    private static StepEvent step(long step, String loss, Double logpsChosen, Double ratioChosen, String caseLabel) {
        return new StepEvent(StepEvent.SCHEMA, "r1", step, "t", "preference", loss, 0.5, 0.1, 1e-4,
                logpsChosen, -42.0, null, null, 0.25, 0.75, 1.5, 2.0, 3.0, 0.25, 1.0, 1.0, 0.0,
                ratioChosen, 0.5, caseLabel, null, null, null, null, null, null, null, null, null, 0.2, 0.03, 1000.0);
    }

    private static double sample(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertTrue(m.find(), series + " not in\n" + scrape);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void gaugesFollowTheLatestStepAndNeverShowNaN() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TrainerMetrics metrics = new TrainerMetrics(registry, "r1");
        metrics.recordStep(step(1, "sigmoid", -40.0, 0.375, "ideal"));
        metrics.recordStep(step(2, "sigmoid", Double.NaN, null, "both_down"));
        metrics.recordStep(step(3, "sigmoid", -41.5, Double.POSITIVE_INFINITY, "both_down"));
        String s = registry.scrape();
        String tags = "{loss_type=\"sigmoid\",run_id=\"r1\"}";
        assertEquals(3, sample(s, "untangle_step" + tags));
        assertEquals(-41.5, sample(s, "untangle_logps_chosen" + tags));
        assertEquals(0.375, sample(s, "untangle_ratio_chosen" + tags), "non-finite and null keep the previous value");
        assertEquals(0.2, sample(s, "untangle_step_seconds" + tags));
        assertEquals(1000.0, sample(s, "untangle_tokens_per_second" + tags));
        assertEquals(1, sample(s, "untangle_steps_ideal_total" + tags));
        assertEquals(2, sample(s, "untangle_steps_both_down_total" + tags));
        assertFalse(s.contains("NaN"), s);
        assertFalse(s.contains("untangle_grad_norm"), "only names from MetricNames");
    }

    @Test
    void aLossSwitchReplacesTheGaugeSeries() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TrainerMetrics metrics = new TrainerMetrics(registry, "r1");
        metrics.recordStep(step(1, "sigmoid", -40.0, 0.375, "ideal"));
        metrics.recordLossSwitch("npo");
        metrics.recordStep(step(2, "npo", -39.0, 0.1, "ideal"));
        String s = registry.scrape();
        assertEquals(-39.0, sample(s, "untangle_logps_chosen{loss_type=\"npo\",run_id=\"r1\"}"));
        assertFalse(s.contains("untangle_logps_chosen{loss_type=\"sigmoid\""), s);
        assertEquals(1, sample(s, "untangle_steps_ideal_total{loss_type=\"sigmoid\",run_id=\"r1\"}"));
        assertEquals(1, sample(s, "untangle_loss_switches_total{loss_type=\"npo\",run_id=\"r1\"}"));
    }

    @Test
    void everyMeterHasADescription() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TrainerMetrics metrics = new TrainerMetrics(registry, "r1");
        metrics.recordStep(step(1, "sigmoid", -40.0, 0.375, "both_up"));
        metrics.recordSkippedNonFinite("sigmoid");
        registry.getMeters().forEach(m -> assertTrue(m.getId().getDescription() != null
                && !m.getId().getDescription().isBlank(), m.getId().getName()));
        String s = registry.scrape();
        for (String line : s.split("\n")) {
            if (line.startsWith("# HELP")) {
                assertTrue(line.split(" ", 4).length == 4, line);
            }
        }
    }
}
