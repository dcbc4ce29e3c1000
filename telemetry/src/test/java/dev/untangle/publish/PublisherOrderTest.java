package dev.untangle.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;
import dev.untangle.wire.Topics;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publisher's routing with a producer whose acknowledgements the test controls (no broker): what is
 * in flight at close goes back to the front of the spool, in order, and the next publisher sends it first.
 */
class PublisherOrderTest {

    private static MockProducer<String, String> producer(boolean autoComplete) {
        Node node = new Node(1, "127.0.0.1", 9092);
        List<PartitionInfo> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.STEPS, Topics.EVALS, Topics.ALERTS)) {
            partitions.add(new PartitionInfo(topic, 0, node, new Node[] {node}, new Node[] {node}));
        }
        Cluster cluster = new Cluster("test", List.of(node), partitions, Set.of(), Set.of());
        return new MockProducer<>(cluster, autoComplete, null, new StringSerializer(), new StringSerializer());
    }

    private static List<Long> steps(List<ProducerRecord<String, String>> records) throws Exception {
        List<Long> steps = new ArrayList<>();
        for (ProducerRecord<String, String> r : records) {
            steps.add(Json.read(r.value(), StepEvent.class).step());
        }
        return steps;
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(10);
        }
    }

    @Test
    void unacknowledgedAtCloseGoBackToTheFrontOfTheSpoolInOrder(@TempDir Path dir) throws Exception {
        Path spoolFile = dir.resolve("order.spool.jsonl");
        TelemetryPublisher.Settings settings = TelemetryPublisher.Settings.defaults("r", spoolFile)
                .withStallTimeout(Duration.ofMillis(100)).withCloseTimeout(Duration.ofMillis(200));

        MockProducer<String, String> stuck = producer(false); // never acknowledges: a broker that hangs
        TelemetryPublisher first = new TelemetryPublisher(stuck, settings);
        first.publishStep(TestEvents.step("r", 0));
        first.publishStep(TestEvents.step("r", 1));
        await(() -> stuck.history().size() == 2);       // 0 and 1 are in flight
        Thread.sleep(300);                               // ... and now older than the stall timeout
        first.publishStep(TestEvents.step("r", 2));
        first.publishStep(TestEvents.step("r", 3));
        await(() -> first.spooledCount() == 2);         // 2 and 3 follow into the spool
        assertEquals(2, stuck.history().size(), "nothing new handed to a stalled producer");
        first.close();
        assertEquals(0, first.sentCount());
        assertEquals(4, first.spooledCount(), "the two in flight were written back at close");

        List<Long> spooled = new ArrayList<>();
        for (String line : Files.readAllLines(spoolFile)) {
            spooled.add(Json.MAPPER.readTree(line).get("event").get("step").asLong());
        }
        assertEquals(List.of(0L, 1L, 2L, 3L), spooled);

        MockProducer<String, String> healthy = producer(true);
        TelemetryPublisher second = new TelemetryPublisher(healthy, settings);
        second.publishStep(TestEvents.step("r", 4));
        second.close();
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), steps(healthy.history()));
        assertEquals(5, second.sentCount());
        assertEquals(0, Files.size(spoolFile));
    }

    @Test
    void anEventTheBrokerRefusesForGoodIsDroppedAndCounted(@TempDir Path dir) throws Exception {
        MockProducer<String, String> mock = producer(false);
        TelemetryPublisher publisher = new TelemetryPublisher(mock,
                TelemetryPublisher.Settings.defaults("r", dir.resolve("s.jsonl")));
        publisher.publishStep(TestEvents.step("r", 0));
        publisher.publishStep(TestEvents.step("r", 1));
        await(() -> mock.history().size() == 2);
        mock.errorNext(new RecordTooLargeException("too large"));
        mock.completeNext();
        await(() -> publisher.sentCount() == 1 && publisher.droppedCount() == 1);
        publisher.close();
        assertEquals(0, publisher.spooledCount());
        assertEquals(0, Files.size(dir.resolve("s.jsonl")));
    }
}
