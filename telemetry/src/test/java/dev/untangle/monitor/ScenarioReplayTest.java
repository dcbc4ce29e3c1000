package dev.untangle.monitor;

import dev.untangle.broker.EmbeddedBroker;
import dev.untangle.policy.Decisions;
import dev.untangle.policy.PolicyConfig;
import dev.untangle.policy.PolicyEvaluator;
import dev.untangle.policy.RunState;
import dev.untangle.wire.Alert;
import dev.untangle.wire.ControlCommand;
import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every scenario of shared/scenarios/README.md replayed through the real monitor on ONE embedded
 * broker (each test has its own topic prefix and application id), asserting the README's verdict.
 */
class ScenarioReplayTest {
    private static EmbeddedBroker broker;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private record Outcome(ReplayResult result, String scrape, String printed) {
    }

    private static Outcome replay(String scenario) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ReplayResult result = Replay.run(Replay.Options.of(TestEvents.shared().resolve("scenarios/" + scenario + ".jsonl"))
                .withBootstrapServers(broker.bootstrapServers())
                .withTopics(TopicNames.prefixed(scenario + "."))
                .withRegistry(registry)
                .withOut(new PrintStream(printed, true, StandardCharsets.UTF_8)));
        String scrape = registry.scrape();
        System.out.println(scenario + ": " + result.summary() + " firing " + result.alerts().stream()
                .filter(a -> a.state().equals("firing")).map(a -> a.kind() + "@" + a.step()).toList());
        assertFalse(scrape.contains("NaN"), "no NaN may be exported:\n" + scrape);
        return new Outcome(result, scrape, printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void healthyRunRaisesNoDirectionAlertAndNoCommand() {
        Outcome o = replay("healthy");
        assertEquals(500, o.result().parsedLines());
        assertTrue(o.result().firing("chosen_falling").isEmpty(), o.printed());
        assertTrue(o.result().firing("rejected_rising").isEmpty(), o.printed());
        assertTrue(o.result().commands().isEmpty(), o.printed());
        assertTrue(o.scrape().contains("untangle_monitor_events_total{loss_type=\"sigmoid\",run_id=\"healthy\"} 500.0"));
        assertTrue(o.scrape().contains("# HELP untangle_monitor_consumer_lag_records"), o.scrape());
    }

    @Test
    void chosenCollapseFiresWithinFiftyStepsOfStep100AndSwitchesOnce() {
        Outcome o = replay("chosen-collapse");
        List<Alert> fired = o.result().firing("chosen_falling");
        assertEquals(1, fired.size(), o.printed());
        long step = fired.get(0).step();
        assertTrue(step >= 100 && step <= 150, "chosen_falling at step " + step);
        List<ControlCommand> commands = o.result().commands();
        assertEquals(1, commands.size(), o.printed());
        assertEquals("collapse", commands.get(0).runId());
        assertEquals("switch_loss", commands.get(0).action());
        assertEquals("npo", commands.get(0).lossType());
        assertEquals(step, commands.get(0).issuedAtStep());
        assertEquals(expectedChosenFallingStep("chosen-collapse"), step, "the stream verdict equals the pure evaluator's");
        assertTrue(o.printed().contains("replayed 400 events"), o.printed());
    }

    @Test
    void deadRunRaisesDeadRunWithoutNaNOrSwitch() {
        Outcome o = replay("dead-run");
        List<Alert> fired = o.result().firing("dead_run");
        assertEquals(1, fired.size(), o.printed());
        assertEquals(9, fired.get(0).step()); // ten zero-gradient steps 0..9
        assertTrue(o.result().commands().isEmpty());
        assertTrue(o.result().firing("non_finite").isEmpty());
        assertTrue(o.scrape().contains("untangle_alert_dead_run_firing{run_id=\"dead\"} 1.0"), o.scrape());
    }

    @Test
    void nonFiniteFiresAtStep30ExactlyAndKeepsRunning() {
        Outcome o = replay("non-finite");
        List<Alert> fired = o.result().firing("non_finite");
        assertEquals(1, fired.size(), o.printed());
        assertEquals(30, fired.get(0).step());
        assertTrue(o.result().commands().isEmpty());
        assertTrue(o.result().firing("dead_run").isEmpty(), "NaN norms are not a dead run");
        // every event, including the 30 after the first NaN, was evaluated
        assertTrue(o.scrape().contains("untangle_monitor_events_total{loss_type=\"sigmoid\",run_id=\"nan\"} 60.0"), o.scrape());
    }

    @Test
    void duplicatesAndReorderingReachTheCollapseVerdict() {
        Outcome o = replay("duplicates-reordered");
        List<Alert> fired = o.result().firing("chosen_falling");
        assertEquals(1, fired.size(), o.printed());
        assertTrue(fired.get(0).step() >= 100 && fired.get(0).step() <= 150, o.printed());
        assertEquals(1, o.result().commands().size(), o.printed());
        assertEquals("collapse-dup", o.result().commands().get(0).runId());
        assertTrue(o.scrape().contains("untangle_monitor_events_total{loss_type=\"simpo\",run_id=\"collapse-dup\"} 400.0"), o.scrape());
        assertTrue(o.scrape().contains("untangle_monitor_duplicate_events_total{run_id=\"collapse-dup\"} 44.0"), o.scrape());
    }

    @Test
    void restartMidStreamRestoresStateFromTheChangelogWithoutASecondSwitch() throws Exception {
        TopicNames topics = TopicNames.prefixed("restart.");
        List<String> lines = Files.readAllLines(TestEvents.shared().resolve("scenarios/chosen-collapse.jsonl"));
        long expectedStep = expectedChosenFallingStep("chosen-collapse");
        Map<TopicPartition, Long> outputStart;

        MonitorApp first = monitor(topics, tmp.resolve("state-1"));
        first.start(Duration.ofSeconds(60));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            outputStart = MonitorApp.endOffsets(admin, List.of(topics.alerts(), topics.control()));
        }
        publish(topics, lines.subList(0, 200)); // past the fire (and the switch)
        assertTrue(first.awaitCaughtUp(Duration.ofSeconds(60)));
        first.close();

        // A new instance on an EMPTY state dir: everything it knows comes from the changelogs.
        MonitorApp second = monitor(topics, tmp.resolve("state-2"));
        long started = System.nanoTime();
        second.start(Duration.ofSeconds(60));
        System.out.printf("restart: RUNNING %d ms after start%n", (System.nanoTime() - started) / 1_000_000);
        publish(topics, lines.subList(200, lines.size()));
        assertTrue(second.awaitCaughtUp(Duration.ofSeconds(60)));
        second.close();

        ReplayResult r = Replay.readBack(broker.bootstrapServers(), topics, outputStart, Set.of("collapse"),
                lines.size(), lines.size(), 0);
        List<Alert> fired = r.firing("chosen_falling");
        assertEquals(1, fired.size(), r.alerts().toString());
        assertEquals(expectedStep, fired.get(0).step());
        assertEquals(1, r.commands().size(), r.commands().toString());
        assertEquals(PolicyEvaluator.commandId("collapse", expectedStep, Alert.Kind.CHOSEN_FALLING), r.commands().get(0).commandId());
    }

    @Test
    void replayEntryReturnsTwoForInvalidInput() throws Exception {
        assertEquals(2, Replay.main(tmp.resolve("missing.jsonl").toString(), broker.bootstrapServers(), null));
        Path garbage = tmp.resolve("garbage.jsonl");
        Files.writeString(garbage, "not json\n{\"schema\":\"untangle.step.v1\"}\n");
        assertEquals(2, Replay.main(garbage.toString(), broker.bootstrapServers(), null));
    }

    private static MonitorApp monitor(TopicNames topics, Path stateDir) {
        return MonitorApp.builder()
                .bootstrapServers(broker.bootstrapServers())
                .applicationId("restart-test")
                .instanceId("restart-test-1")
                .stateDir(stateDir)
                .topics(topics)
                .build();
    }

    private static void publish(TopicNames topics, List<String> lines) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", broker.bootstrapServers(), "acks", "all"), new StringSerializer(), new StringSerializer())) {
            for (String line : lines) {
                StepEvent e = Json.read(line, StepEvent.class);
                producer.send(new ProducerRecord<>(topics.steps(), e.runId(), line));
            }
        }
    }

    /** The chosen-falling fire step from the pure evaluator over the file in step order, no Kafka. */
    private static long expectedChosenFallingStep(String scenario) {
        try {
            PolicyEvaluator evaluator = new PolicyEvaluator(PolicyConfig.defaults());
            RunState state = new RunState();
            for (String line : Files.readAllLines(TestEvents.shared().resolve("scenarios/" + scenario + ".jsonl"))) {
                Decisions d = evaluator.onStep(state, Json.read(line, StepEvent.class));
                for (Alert a : d.alerts()) {
                    if (a.kind().equals("chosen_falling") && a.state().equals("firing")) {
                        return a.step();
                    }
                }
            }
            throw new AssertionError("no chosen_falling in " + scenario);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
