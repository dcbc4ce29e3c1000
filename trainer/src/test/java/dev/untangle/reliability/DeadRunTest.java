package dev.untangle.reliability;

import dev.untangle.events.MetricsSink;
import dev.untangle.metrics.MetricsServer;
import dev.untangle.metrics.TrainerMetrics;
import dev.untangle.wire.Alert;
import dev.untangle.wire.StepEvent;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6, zero gradients: the policy starts equal to its reference and beta is 0, so the margin term
 * has no gradient (DESIGN.md section 1: k*lambda = 0). Every probe step must report norms and inner
 * product exactly 0, case undefined, loss log 2, and no NaN anywhere in the events or in the /metrics
 * scrape; the monitor's dead_run policy (10 consecutive zero steps by default) fires.
 */
class DeadRunTest {
    private static final int STEPS = 12;

    @TempDir
    Path dir;

    @Test
    void policyEqualsReferenceWithBetaZeroIsADeadRunWithoutNaN() throws Exception {
        Path data = RunFixture.writePairs(dir.resolve("pairs.jsonl"), 40, 13, false);
        Path init = RunFixture.tinySft(data, dir.resolve("sft"));
        Path run = dir.resolve("dead");
        List<String> args = new ArrayList<>(RunFixture.train(data, init, run, STEPS));
        args.addAll(List.of("--beta", "0", "--loss", "sigmoid", "--measure-every", "1"));
        RunFixture.Cli cli = RunFixture.cli(args.toArray(String[]::new));
        assertEquals(0, cli.exitCode(), cli.out() + cli.err());

        Path events = run.resolve("events.jsonl");
        String text = Files.readString(events);
        assertFalse(text.contains("NaN") || text.contains("Infinity"), "events hold a non-finite value");
        List<StepEvent> steps = RunFixture.steps(events);
        assertEquals(STEPS, steps.size());
        for (StepEvent e : steps) {
            String at = "step " + e.step() + ": ";
            assertEquals(0.0, e.gradNormChosen(), at + "grad_norm_chosen");
            assertEquals(0.0, e.gradNormRejected(), at + "grad_norm_rejected");
            assertEquals(0.0, e.gradInnerProduct(), at + "grad_inner_product");
            assertEquals("undefined", e.caseLabel(), at + "case");
            // -log sigmoid(0): the margin is 0 because the policy never leaves the reference
            assertEquals(Math.log(2), e.loss(), 1e-6, at + "loss");
            assertEquals(0.0, e.rewardsMargin(), 1e-9, at + "rewards_margin");
            // the weights never move: re-scoring the batch after the step changes nothing, and the
            // policy's log-probs stay the reference's (rewards exactly 0)
            assertEquals(0.0, e.measuredDeltaChosen(), at + "measured_delta_chosen");
            assertEquals(0.0, e.measuredDeltaRejected(), at + "measured_delta_rejected");
            assertEquals(0.0, e.rewardsChosen(), 1e-9, at + "rewards_chosen");
        }

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MetricsSink sink = new MetricsSink(new TrainerMetrics(registry, "rel"));
        steps.forEach(sink::step);
        String scrape;
        try (MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0)) {
            scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url())).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
        assertTrue(scrape.contains("run_id=\"rel\""), scrape);
        assertFalse(scrape.contains("NaN"), "the /metrics scrape holds NaN:\n" + scrape);

        List<Alert> alerts = RunFixture.policyAlerts(steps);
        List<Alert> dead = alerts.stream().filter(a -> a.kind().equals("dead_run") && a.state().equals("firing")).toList();
        assertEquals(1, dead.size(), "monitor alerts: " + alerts);
        assertEquals(9L, dead.get(0).step(), "fires after 10 consecutive zero-gradient steps (0..9)");
        assertTrue(alerts.stream().noneMatch(a -> a.kind().equals("non_finite")), alerts.toString());
    }
}
