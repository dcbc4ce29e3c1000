package dev.untangle.control;

import static dev.untangle.control.CommandValidatorTest.SIGNER;
import static dev.untangle.control.CommandValidatorTest.command;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.untangle.broker.EmbeddedBroker;
import dev.untangle.metrics.TrainerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.untangle.publish.KafkaClientConfig;
import dev.untangle.publish.TelemetryPublisher;
import dev.untangle.wire.ControlAck;
import dev.untangle.wire.ControlCommand;
import dev.untangle.wire.Json;
import dev.untangle.wire.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 6: hostile control messages over a real broker are rejected, counted and acknowledged. */
class ControlListenerTest {

    @Test
    void hostileCommandsAreRejectedAndAValidOneIsAcceptedOnceEvenWhenSentTwice(@TempDir Path dir) throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start()) {
            broker.createTopics(Topics.CONTROL, Topics.ALERTS, Topics.STEPS, Topics.EVALS);
            KafkaClientConfig kafka = KafkaClientConfig.of(broker.bootstrapServers());
            TelemetryPublisher publisher = new TelemetryPublisher(kafka,
                    TelemetryPublisher.Settings.defaults("run-1", dir.resolve("spool.jsonl")));
            CommandValidator validator = new CommandValidator("run-1", Set.of("sigmoid", "npo")::contains, 5,
                    SIGNER, Set.of());
            ControlListener listener = new ControlListener(kafka, "run-1", validator, publisher::publishAck).start();
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new TrainerMetrics(registry, "run-1").bindControl(listener);
            assertTrue(listener.awaitReady(Duration.ofSeconds(30)), "listener assigned");
            listener.setCurrentStep(100);

            ControlCommand valid = SIGNER.sign(command("cmd-42", "run-1", 100, "switch_loss", "npo"));
            Map<String, String> hostile = new TreeMap<>();
            hostile.put("malformed_json", "{\"schema\":\"untangle.control.v1\",\"command_id\":");
            hostile.put("wrong_schema", Json.write(SIGNER.sign(new ControlCommand("untangle.control.v9", "h1",
                    "run-1", 100, "pause", null, null, null))));
            hostile.put("wrong_run", Json.write(SIGNER.sign(command("h2", "run-2", 100, "pause", null))));
            hostile.put("unknown_action", Json.write(SIGNER.sign(command("h3", "run-1", 100, "rm_rf", null))));
            hostile.put("unknown_loss", Json.write(SIGNER.sign(command("h4", "run-1", 100, "switch_loss", "dpo9"))));
            hostile.put("from_the_future", Json.write(SIGNER.sign(command("h5", "run-1", 1000, "pause", null))));
            hostile.put("missing_signature", Json.write(command("h6", "run-1", 100, "pause", null)));
            hostile.put("bad_signature", Json.write(new ControlCommand(ControlCommand.SCHEMA, "h7", "run-1", 100,
                    "switch_loss", "npo", null, SIGNER.signature(command("h7", "run-1", 100, "switch_loss", "sigmoid")))));

            List<String> messages = new ArrayList<>(hostile.values());
            messages.add(Json.write(valid));
            messages.add(Json.write(valid)); // the same command again: a replay
            produce(broker.bootstrapServers(), messages);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (listener.rejectedCount() + listener.acceptedCount() < messages.size()
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            List<ControlCommand> accepted = listener.drainAccepted();
            assertEquals(List.of(valid), accepted, "the valid command, exactly once");
            assertEquals(List.of(), listener.drainAccepted(), "drained");
            assertEquals(hostile.size() + 1, listener.rejectedCount());
            assertEquals(Set.of("cmd-42"), listener.appliedIds());
            assertTrue(registry.scrape().contains("untangle_control_rejected_total{run_id=\"run-1\"} "
                    + (double) (hostile.size() + 1)), registry.scrape());
            listener.close();
            publisher.close();

            // every rejection was answered on the alerts topic, with its reason
            Map<String, Integer> reasons = new TreeMap<>();
            for (ControlAck ack : readAcks(broker.bootstrapServers(), hostile.size() + 1)) {
                assertEquals("rejected", ack.outcome());
                assertEquals("run-1", ack.runId());
                reasons.merge(ack.detail().substring(0, ack.detail().indexOf(':')), 1, Integer::sum);
            }
            Map<String, Integer> expected = new TreeMap<>();
            hostile.keySet().forEach(reason -> expected.put(reason, 1));
            expected.put("replayed", 1);
            assertEquals(expected, reasons);
        }
    }

    private static void produce(String bootstrap, List<String> values) throws Exception {
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(Topics.CONTROL, "run-1", value)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static List<ControlAck> readAcks(String bootstrap, int expected) throws Exception {
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "acks-" + UUID.randomUUID());
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ControlAck> acks = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.ALERTS));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (acks.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    acks.add(Json.read(r.value(), ControlAck.class));
                }
            }
        }
        return acks;
    }
}
