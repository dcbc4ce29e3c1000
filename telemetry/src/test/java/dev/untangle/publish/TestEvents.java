package dev.untangle.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Step events with known fields, and a read_committed reader of a topic from the beginning. */
final class TestEvents {
    private TestEvents() {
    }

    static StepEvent step(String runId, long step) {
        double loss = 0.6931 - 0.001 * step;
        return new StepEvent(StepEvent.SCHEMA, runId, step, "2026-12-03T00:00:00Z", "preference", "sigmoid",
                loss, 0.1, 1e-4, -40.0, -42.0, 0.01, -0.01, 0.02, 0.75,
                1.5, 2.0, 3.0, 0.25, 1.0, 1.0, 0.0, 0.375, 0.1667, "ideal",
                0.01, -0.01, 0.011, -0.009, 0.01, -0.01, null, null, null, 0.05, 0.01, 12000.0);
    }

    /** A received event: the record key and the parsed step event. */
    record Received(String key, String runId, long step) {
    }

    /**
     * Reads {@code topic} from the beginning, read_committed, until {@code expected} records of the given
     * runs (all runs when none are given) have arrived, then 2 s more so duplicates would show, or until
     * the timeout.
     */
    static List<Received> readSteps(String bootstrap, String topic, int expected, Duration timeout,
                                    String... runIds) throws Exception {
        List<String> runs = List.of(runIds);
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<Received> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    StepEvent e = Json.read(r.value(), StepEvent.class);
                    if (runs.isEmpty() || runs.contains(e.runId())) {
                        out.add(new Received(r.key(), e.runId(), e.step()));
                    }
                }
                if (out.size() >= expected && quietUntil == Long.MAX_VALUE) {
                    // keep reading a moment longer so that duplicates would show up
                    quietUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                }
            }
        }
        return out;
    }

    /** Steps of one run in arrival order. */
    static List<Long> stepsOf(List<Received> received, String runId) {
        List<Long> steps = new ArrayList<>();
        for (Received r : received) {
            if (r.runId().equals(runId)) {
                steps.add(r.step());
            }
        }
        return steps;
    }

    static List<Long> range(long fromInclusive, long toExclusive) {
        List<Long> steps = new ArrayList<>();
        for (long s = fromInclusive; s < toExclusive; s++) {
            steps.add(s);
        }
        return steps;
    }
}
