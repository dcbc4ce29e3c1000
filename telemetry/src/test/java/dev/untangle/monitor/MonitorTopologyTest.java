package dev.untangle.monitor;

import dev.untangle.metrics.MonitorMetrics;
import dev.untangle.control.ControlSigner;
import dev.untangle.policy.PolicyConfig;
import dev.untangle.wire.Alert;
import dev.untangle.wire.ControlCommand;
import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static dev.untangle.monitor.TestEvents.bothDown;
import static dev.untangle.monitor.TestEvents.bothUp;
import static dev.untangle.monitor.TestEvents.json;
import static dev.untangle.monitor.TestEvents.step;
import static dev.untangle.monitor.TestEvents.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each policy on hand-made event sequences through the real topology (TopologyTestDriver). Default
 * policy: window 20 steps, at least 10 probes, fire at both_down fraction >= 0.5 with slope <= -0.05
 * for 3 evaluations in a row, resolve below 0.3 for 3 in a row, cooldown 100 steps.
 */
class MonitorTopologyTest {
    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, String> steps;
    private TestOutputTopic<String, String> alertsTopic;
    private TestOutputTopic<String, String> controlTopic;
    private PrometheusMeterRegistry registry;
    private MonitorMetrics metrics;

    @BeforeEach
    void start() {
        startWith(PolicyConfig.defaults());
    }

    private void startWith(PolicyConfig policy) {
        if (driver != null) {
            driver.close();
        }
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics = new MonitorMetrics(registry);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "monitor-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(MonitorTopology.build(policy, metrics, TopicNames.DEFAULT, null), props);
        steps = driver.createInputTopic(TopicNames.DEFAULT.steps(), new StringSerializer(), new StringSerializer());
        alertsTopic = driver.createOutputTopic(TopicNames.DEFAULT.alerts(), new StringDeserializer(), new StringDeserializer());
        controlTopic = driver.createOutputTopic(TopicNames.DEFAULT.control(), new StringDeserializer(), new StringDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void send(Map<String, Object> event) {
        steps.pipeInput((String) event.get("run_id"), json(event));
    }

    private List<Alert> alerts() throws Exception {
        List<Alert> out = new ArrayList<>();
        for (String v : alertsTopic.readValuesToList()) {
            out.add(Json.read(v, Alert.class));
        }
        return out;
    }

    private List<ControlCommand> commands() throws Exception {
        List<ControlCommand> out = new ArrayList<>();
        for (String v : controlTopic.readValuesToList()) {
            out.add(Json.read(v, ControlCommand.class));
        }
        return out;
    }

    /** Steps 0..29 ideal, from 30 both_down with logps_chosen falling 1 nat/step, through {@code last}. */
    private void collapse(String run, long last) {
        for (long s = 0; s <= last; s++) {
            send(s < 30 ? step(run, s) : bothDown(run, s, 30));
        }
    }

    @Test
    void chosenFallingFiresAtTheHandComputedStepWithExactlyOneSwitch() throws Exception {
        // Window at step s holds steps s-19..s, of which s-29 are both_down: fraction >= 0.5 first at
        // s = 39 (10/20), slope already < -0.05; three evaluations in a row -> fire at step 41.
        collapse("r", 60);
        List<Alert> alerts = alerts();
        assertEquals(1, alerts.size(), alerts.toString());
        Alert fire = alerts.get(0);
        assertEquals("chosen_falling", fire.kind());
        assertEquals("firing", fire.state());
        assertEquals(41, fire.step());
        assertEquals(12.0 / 20, fire.value(), 1e-12); // at step 41: steps 30..41 of 22..41
        List<ControlCommand> commands = commands();
        assertEquals(1, commands.size());
        ControlCommand c = commands.get(0);
        assertEquals("switch_loss", c.action());
        assertEquals("npo", c.lossType());
        assertEquals("r", c.runId());
        assertEquals(41, c.issuedAtStep());
        assertEquals("switch_loss:r:41:chosen_falling", c.commandId());
        assertTrue(registry.scrape().contains("untangle_monitor_switch_commands_total{loss_type=\"npo\",run_id=\"r\"} 1.0"),
                registry.scrape());
    }

    @Test
    void oneBadEventNeverFlipsTheDecision() throws Exception {
        // A single both_down step among ideal ones: fraction 1/20, never near 0.5.
        for (long s = 0; s < 60; s++) {
            send(s == 35 ? bothDown("r", s, 0) : step("r", s));
        }
        assertTrue(alerts().isEmpty());
        // While firing, one ideal step (fraction drops from 1.0 to 0.95) does not resolve.
        collapse("q", 80);
        send(step("q", 81));
        for (long s = 82; s < 100; s++) {
            send(bothDown("q", s, 30));
        }
        List<Alert> alerts = alerts();
        assertEquals(1, alerts.size(), alerts.toString());
        assertEquals("firing", alerts.get(0).state());
    }

    @Test
    void aDominantCaseWithAFlatLogProbDoesNotFire() throws Exception {
        // both_down on every step but logps_chosen constant: the trend condition keeps it quiet.
        for (long s = 0; s < 60; s++) {
            send(with(bothDown("r", s, 0), "logps_chosen", -40.0));
        }
        assertTrue(alerts().isEmpty());
        assertTrue(commands().isEmpty());
    }

    @Test
    void resolvesWithHysteresisAndRespectsTheCooldown() throws Exception {
        // both_down 30..59 (fire at 41), ideal 60..79: at step s the window holds 79-s both_down steps,
        // below 0.3 (6/20) first at s = 74 -> resolve at 76. both_down again from 80 (falling again):
        // the condition holds from 89, but the cooldown (100 steps after 41) delays the fire to 141.
        for (long s = 0; s < 160; s++) {
            if (s < 30 || (s >= 60 && s < 80)) {
                send(step("r", s));
            } else {
                send(bothDown("r", s, s < 60 ? 30 : 80));
            }
        }
        List<Alert> alerts = alerts();
        assertEquals(List.of("firing@41", "resolved@76", "firing@141"),
                alerts.stream().map(a -> a.state() + "@" + a.step()).toList());
        assertEquals(1, commands().size(), "maxSwitchesPerRun 1: the second fire sends no command");
    }

    @Test
    void rejectedRisingIsSymmetric() throws Exception {
        for (long s = 0; s <= 60; s++) {
            send(s < 30 ? step("r", s) : bothUp("r", s, 30));
        }
        List<Alert> alerts = alerts();
        assertEquals(1, alerts.size());
        assertEquals("rejected_rising", alerts.get(0).kind());
        assertEquals(41, alerts.get(0).step());
        assertEquals("switch_loss:r:41:rejected_rising", commands().get(0).commandId());
    }

    @Test
    void duplicatesAreIgnored() throws Exception {
        for (long s = 0; s <= 60; s++) {
            Map<String, Object> e = s < 30 ? step("r", s) : bothDown("r", s, 30);
            send(e);
            send(e);
            if (s % 7 == 0) {
                send(e);
            }
        }
        List<Alert> alerts = alerts();
        assertEquals(1, alerts.size());
        assertEquals(41, alerts.get(0).step());
        assertEquals(1, commands().size());
        String scrape = registry.scrape();
        assertTrue(scrape.contains("untangle_monitor_events_total{loss_type=\"sigmoid\",run_id=\"r\"} 61.0"), scrape);
        assertTrue(scrape.contains("untangle_monitor_duplicate_events_total{run_id=\"r\"} 70.0"), scrape); // 61 + 9
    }

    @Test
    void reorderedEventsGiveTheSameVerdict() throws Exception {
        // Every pair (2k, 2k+1) swapped: once both have arrived the window is the same as in order.
        for (long s = 0; s <= 60; s += 2) {
            long first = s + 1 <= 60 ? s + 1 : s;
            send(first < 30 ? step("r", first) : bothDown("r", first, 30));
            if (first != s) {
                send(s < 30 ? step("r", s) : bothDown("r", s, 30));
            }
        }
        List<Alert> alerts = alerts();
        assertEquals(1, alerts.size(), alerts.toString());
        // Evaluations after 39 (arrives 2nd of its pair), 41 arrives before 40: third true evaluation
        // is the one triggered by step 40, stamped with the newest step seen, 41.
        assertEquals(41, alerts.get(0).step());
        assertEquals(1, commands().size());
        assertFalse(registry.scrape().contains("untangle_monitor_duplicate_events_total"));
    }

    @Test
    void badJsonIsCountedAlertedAndDoesNotStopTheMonitor() throws Exception {
        steps.pipeInput("r", "{not json");
        steps.pipeInput("r", json(with(step("r", 1), "step", null)));
        steps.pipeInput("r", json(with(step("r", 2), "schema", "untangle.step.v0")));
        steps.pipeInput("x", json(step("r", 3)));
        for (long s = 0; s <= 60; s++) {
            send(s < 30 ? step("r", s) : bothDown("r", s, 30));
        }
        List<Alert> alerts = alerts();
        assertEquals(List.of("bad_event", "bad_event", "bad_event", "bad_event", "chosen_falling"),
                alerts.stream().map(Alert::kind).toList());
        assertTrue(alerts.get(1).reason().contains("field step"), alerts.get(1).reason());
        assertTrue(alerts.get(2).reason().contains("field schema"), alerts.get(2).reason());
        assertTrue(alerts.get(3).reason().contains("differs from run_id"), alerts.get(3).reason());
        assertEquals(41, alerts.get(4).step());
        String scrape = registry.scrape();
        assertTrue(scrape.contains("untangle_monitor_bad_events_total{run_id=\"r\"} 3.0"), scrape);
    }

    @Test
    void evalsFeedTheTrendWhenWeightedAndBadEvalsAreAlerted() throws Exception {
        PolicyConfig policy = PolicyConfig.defaults();
        policy.evals.weight = 1.0;
        startWith(policy);
        TestInputTopic<String, String> evals =
                driver.createInputTopic(TopicNames.DEFAULT.evals(), new StringSerializer(), new StringSerializer());
        evals.pipeInput("r", "[1, 2]");
        for (long e = 0; e < 3; e++) { // eval logps_chosen falls 1 nat per 10 steps
            evals.pipeInput("r", Json.write(new dev.untangle.wire.EvalEvent(dev.untangle.wire.EvalEvent.SCHEMA, "r",
                    10 * e, null, "sigmoid", 64, -40.0 - e, -60.0, 0.5, 1.0, 2.0, 2.0, 0.2, 0.8, 0.0, 0.0)));
        }
        for (long s = 0; s < 30; s++) { // both_down everywhere, flat step log-prob
            send(with(bothDown("r", s, 0), "logps_chosen", -40.0));
        }
        List<Alert> alerts = alerts();
        assertEquals(List.of("bad_event@-1", "chosen_falling@11"),
                alerts.stream().map(a -> a.kind() + "@" + a.step()).toList());
        assertTrue(alerts.get(0).reason().contains("not a JSON object"), alerts.get(0).reason());
    }

    @Test
    void nonFiniteFiresAtTheFirstBadStepWithoutSwitching() throws Exception {
        for (long s = 0; s < 40; s++) {
            Map<String, Object> e = step("r", s);
            if (s >= 30) {
                e.put("loss", "NaN");
                e.put("grad_norm_chosen", "Infinity");
                e.put("logps_chosen", null);
            }
            send(e);
        }
        List<Alert> alerts = alerts();
        assertEquals(1, alerts.size());
        assertEquals("non_finite", alerts.get(0).kind());
        assertEquals(30, alerts.get(0).step());
        assertTrue(alerts.get(0).reason().startsWith("loss is non-finite"), alerts.get(0).reason());
        assertTrue(commands().isEmpty());
        assertFalse(registry.scrape().contains("NaN"), registry.scrape());
    }

    @Test
    void deadRunFiresAfterTenZeroGradientSteps() throws Exception {
        for (long s = 0; s < 30; s++) {
            Map<String, Object> e = step("r", s);
            e.put("grad_norm_chosen", 0.0);
            e.put("grad_norm_rejected", 0.0);
            e.put("grad_inner_product", 0.0);
            e.put("grad_cosine", null);
            e.put("ratio_chosen", null);
            e.put("ratio_rejected", null);
            e.put("case", "undefined");
            send(e);
        }
        List<Alert> alerts = alerts();
        assertEquals(1, alerts.size());
        assertEquals("dead_run", alerts.get(0).kind());
        assertEquals(9, alerts.get(0).step()); // steps 0..9: ten in a row
        assertTrue(commands().isEmpty());
        assertFalse(registry.scrape().contains("NaN"));
    }

    @Test
    void highEntanglementWarnsWithoutSwitching() throws Exception {
        // Cosine 0.9 from step 0: the window is evaluated from step 9 (10 probes), fires at 11.
        for (long s = 0; s < 30; s++) {
            send(with(step("r", s), "grad_cosine", 0.9));
        }
        List<Alert> alerts = alerts();
        assertEquals(1, alerts.size());
        assertEquals("high_entanglement", alerts.get(0).kind());
        assertEquals("warning", alerts.get(0).severity());
        assertEquals(11, alerts.get(0).step());
        assertTrue(commands().isEmpty());
    }

    @Test
    void saturationWarnsWhenLossIsNearZeroAndMarginLarge() throws Exception {
        for (long s = 0; s < 30; s++) {
            Map<String, Object> e = step("r", s);
            e.put("loss", 0.001);
            e.put("rewards_margin", 20.0);
            send(e);
        }
        List<Alert> alerts = alerts();
        assertEquals(1, alerts.size());
        assertEquals("saturation", alerts.get(0).kind());
        assertEquals(11, alerts.get(0).step());
    }

    @Test
    void autoSwitchOffSendsNoCommand() throws Exception {
        PolicyConfig policy = PolicyConfig.defaults();
        policy.autoSwitch = false;
        startWith(policy);
        collapse("r", 60);
        assertEquals(1, alerts().size());
        assertTrue(commands().isEmpty());
    }

    @Test
    void signedCommandsVerify() throws Exception {
        driver.close();
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "monitor-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        ControlSigner signer = ControlSigner.ofKey("secret".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        driver = new TopologyTestDriver(MonitorTopology.build(PolicyConfig.defaults(), new MonitorMetrics(registry),
                TopicNames.DEFAULT, signer), props);
        steps = driver.createInputTopic(TopicNames.DEFAULT.steps(), new StringSerializer(), new StringSerializer());
        controlTopic = driver.createOutputTopic(TopicNames.DEFAULT.control(), new StringDeserializer(), new StringDeserializer());
        collapse("r", 45);
        ControlCommand c = commands().get(0);
        assertEquals(64, c.signature().length());
        assertTrue(signer.verify(c));
        assertFalse(ControlSigner.ofKey("other".getBytes(java.nio.charset.StandardCharsets.UTF_8)).verify(c));
    }

    @Test
    void aRealScenarioLineWithNaNStringsAndNullsParses() throws Exception {
        List<String> lines = Files.readAllLines(TestEvents.shared().resolve("scenarios/non-finite.jsonl"));
        StepEvent e = Json.read(lines.get(30), StepEvent.class);
        assertEquals(30, e.step());
        assertTrue(e.loss().isNaN());
        assertTrue(e.gradNormChosen().isNaN());
        assertNull(e.measuredDeltaChosen());
        assertEquals(0.9, e.beta());
    }
}
