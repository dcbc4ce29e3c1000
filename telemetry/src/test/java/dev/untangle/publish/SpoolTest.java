package dev.untangle.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import dev.untangle.broker.EmbeddedBroker;
import dev.untangle.metrics.TrainerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.untangle.wire.Json;
import dev.untangle.wire.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool's bound and its replay across publishers, against a real broker. */
class SpoolTest {
    private static EmbeddedBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedBroker.start();
        broker.createTopics(Topics.STEPS, Topics.EVALS, Topics.ALERTS);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void fullSpoolDropsCountsAndSaysSoThenReplaysWhatItKeptInOrder(@TempDir Path dir) throws Exception {
        Path spoolFile = dir.resolve("bound.spool.jsonl");
        TelemetryPublisher.Settings settings = TelemetryPublisher.Settings.defaults("run-bound", spoolFile)
                .withMaxSpoolEvents(5).withStallTimeout(Duration.ofMillis(300));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        System.setErr(new PrintStream(new TeeStream(originalErr, log), true, StandardCharsets.UTF_8));
        TelemetryPublisher publisher = new TelemetryPublisher(KafkaClientConfig.of(broker.bootstrapServers()), settings);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new TrainerMetrics(registry, "run-bound").bindPublisher(publisher);
        try {
            for (int step = 0; step < 3; step++) {
                publisher.publishStep(TestEvents.step("run-bound", step));
            }
            await(() -> publisher.sentCount() == 3, "first three events sent");

            broker.stop();
            publisher.publishStep(TestEvents.step("run-bound", 3));
            Thread.sleep(800); // step 3 stalls in the producer (or is spooled): Kafka counts as down now
            for (int step = 4; step < 13; step++) {
                publisher.publishStep(TestEvents.step("run-bound", step));
            }
            await(() -> publisher.spooledCount() + publisher.droppedCount() >= 9, "events routed to the spool");
            assertEquals(5, publisher.spooledCount(), "the spool holds exactly its bound");
            assertEquals(5, publisher.spoolSize());
            long dropped = publisher.droppedCount();
            assertTrue(dropped == 4 || dropped == 5, "overflow dropped and counted: " + dropped);
            assertEquals(5, Files.readAllLines(spoolFile).size());
            String logged = log.toString(StandardCharsets.UTF_8);
            assertTrue(logged.contains("is full (5 events"), "a clear log line names the bound:\n" + logged);
            String scrape = registry.scrape();
            assertTrue(scrape.contains("untangle_events_spooled_total{run_id=\"run-bound\"} 5.0"), scrape);
            assertTrue(scrape.contains("untangle_events_dropped_total{run_id=\"run-bound\"} " + (double) dropped), scrape);
            assertTrue(scrape.contains("untangle_spool_events{run_id=\"run-bound\"} 5.0"), scrape);

            broker.restart();
            long kept = 13 - dropped;
            await(() -> publisher.sentCount() == kept && publisher.spoolSize() == 0, "spool drained");
            publisher.close();
            List<TestEvents.Received> got = TestEvents.readSteps(broker.bootstrapServers(), Topics.STEPS,
                    (int) kept, Duration.ofSeconds(30), "run-bound");
            // what was kept arrives once and in order: steps 0 .. kept-1; the newest ones were dropped
            assertEquals(TestEvents.range(0, kept), TestEvents.stepsOf(got, "run-bound"));
            assertEquals(0, Files.size(spoolFile), "a drained spool is truncated");
        } finally {
            System.setErr(originalErr);
            publisher.close();
            if (!broker.isRunning()) {
                broker.restart();
            }
        }
    }

    @Test
    void eventsLeftInTheSpoolAreReplayedFirstByTheNextPublisher(@TempDir Path dir) throws Exception {
        Path spoolFile = dir.resolve("restart.spool.jsonl");
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        // a first "trainer" that never reaches Kafka: everything ends up in the spool file
        TelemetryPublisher offline = new TelemetryPublisher(KafkaClientConfig.of("127.0.0.1:" + deadPort),
                TelemetryPublisher.Settings.defaults("run-restart", spoolFile).withCloseTimeout(Duration.ofSeconds(2)));
        for (int step = 0; step < 5; step++) {
            offline.publishStep(TestEvents.step("run-restart", step));
        }
        offline.close();
        List<String> lines = Files.readAllLines(spoolFile);
        assertEquals(5, lines.size());
        for (int i = 0; i < 5; i++) {
            JsonNode line = Json.MAPPER.readTree(lines.get(i));
            assertEquals(Topics.STEPS, line.get("topic").asText());
            assertEquals("run-restart", line.get("key").asText());
            assertEquals(i, line.get("event").get("step").asLong());
        }

        // the next start reaches Kafka; its own events come after the replayed ones
        TelemetryPublisher online = new TelemetryPublisher(KafkaClientConfig.of(broker.bootstrapServers()),
                TelemetryPublisher.Settings.defaults("run-restart", spoolFile));
        assertEquals(5, online.spoolSize());
        for (int step = 5; step < 8; step++) {
            online.publishStep(TestEvents.step("run-restart", step));
        }
        online.close();
        assertEquals(8, online.sentCount());
        List<TestEvents.Received> got = TestEvents.readSteps(broker.bootstrapServers(), Topics.STEPS, 8,
                Duration.ofSeconds(30), "run-restart");
        assertEquals(TestEvents.range(0, 8), TestEvents.stepsOf(got, "run-restart"));
        assertEquals(0, Files.size(spoolFile));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Copies stderr into a buffer so the test can read what was logged. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
