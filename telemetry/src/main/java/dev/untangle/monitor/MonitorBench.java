package dev.untangle.monitor;

import dev.untangle.broker.EmbeddedBroker;
import dev.untangle.policy.PolicyConfig;
import dev.untangle.wire.Alert;
import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Monitor benchmark on an embedded broker in this JVM (not a test: it prints numbers).
 *
 * <ol>
 *   <li>Throughput: a backlog of N step events (100 runs, default N = 100,000) is published first,
 *   then a monitor (exactly_once_v2) is started; events/s = N / (time from RUNNING to committed
 *   offsets at the end of the input).</li>
 *   <li>Step-to-decision latency at a steady rate (default 50 events/s for 20 s): a run whose steps
 *   alternate NaN / finite with nonFinite.cooldownSteps 0, so EVERY step produces one decision (a
 *   non_finite firing or resolved alert); latency = read_committed arrival of the alert minus the
 *   send time of its step. p50 / p99 printed.</li>
 * </ol>
 *
 * Usage: MonitorBench [backlogEvents] [latencySeconds] [eventsPerSecond] [commitIntervalMs] [producerMaxInFlight]
 */
public final class MonitorBench {
    private MonitorBench() {
    }

    public static void main(String[] args) throws Exception {
        int backlog = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        long commitMs = args.length > 3 ? Long.parseLong(args[3]) : 100;
        // 5th argument: the Streams producer's max.in.flight.requests.per.connection (Kafka default 5)
        Integer inFlight = args.length > 4 ? Integer.valueOf(args[4]) : null;
        try (EmbeddedBroker broker = EmbeddedBroker.start()) {
            throughput(broker.bootstrapServers(), backlog, commitMs, inFlight);
            latency(broker.bootstrapServers(), seconds, rate);
        }
    }

    static void throughput(String servers, int events, long commitMs, Integer inFlight) throws Exception {
        TopicNames topics = TopicNames.prefixed("bench.");
        Path state = Files.createTempDirectory("untangle-bench-state");
        MonitorApp monitor = MonitorApp.builder().bootstrapServers(servers).applicationId("bench-throughput")
                .stateDir(state).topics(topics).build();
        int runs = 100;
        try (KafkaProducer<String, String> producer = producer(servers)) {
            // ensure topics exist with the monitor's partition count before publishing
            monitor.start(Duration.ofSeconds(60));
            monitor.close();
            for (int i = 0; i < events; i++) {
                String run = "bench-" + (i % runs);
                producer.send(new ProducerRecord<>(topics.steps(), run, Json.write(event(run, i / runs, false))));
            }
            producer.flush();
        }
        MonitorApp.Builder builder = MonitorApp.builder().bootstrapServers(servers).applicationId("bench-throughput")
                .stateDir(state).topics(topics).commitIntervalMs(commitMs);
        if (inFlight != null) {
            builder.override(StreamsConfig.producerPrefix(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION), inFlight);
        }
        monitor = builder.build();
        long start = System.nanoTime();
        monitor.start(Duration.ofSeconds(60));
        long running = System.nanoTime();
        boolean done = monitor.awaitCaughtUp(Duration.ofMinutes(5));
        long end = System.nanoTime();
        monitor.close();
        double seconds = (end - running) / 1e9;
        System.out.printf("throughput (commit.interval.ms %d, max.in.flight %s): %d events (%d runs) in %.2f s after RUNNING (startup %.2f s): %.0f events/s%s%n",
                commitMs, inFlight == null ? "default" : inFlight, events, runs, seconds, (running - start) / 1e9, events / seconds, done ? "" : " (TIMED OUT)");
    }

    static void latency(String servers, int seconds, int rate) throws Exception {
        TopicNames topics = TopicNames.prefixed("bench-latency.");
        PolicyConfig policy = PolicyConfig.defaults();
        policy.nonFinite.cooldownSteps = 0; // every NaN step fires, every finite one resolves
        MonitorApp monitor = MonitorApp.builder().bootstrapServers(servers).applicationId("bench-latency")
                .stateDir(Files.createTempDirectory("untangle-bench-state")).topics(topics).policy(policy).build();
        monitor.start(Duration.ofSeconds(60));
        int total = seconds * rate;
        long[] sent = new long[total];
        Map<Long, Long> received = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    "bootstrap.servers", servers, "isolation.level", "read_committed", "auto.offset.reset", "earliest",
                    "group.id", "bench-latency-reader"), new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of(topics.alerts()));
                while (!stop.get()) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(5))) {
                        long now = System.nanoTime();
                        try {
                            received.putIfAbsent(Json.read(r.value(), Alert.class).step(), now);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            }
        }, "latency-reader");
        reader.start();
        Thread.sleep(2000); // let the reader join its group before the first event
        try (KafkaProducer<String, String> producer = producer(servers)) {
            long t0 = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = t0 + (long) (i * 1e9 / rate);
                while (System.nanoTime() < due) {
                    Thread.sleep(0, 200_000);
                }
                sent[i] = System.nanoTime();
                producer.send(new ProducerRecord<>(topics.steps(), "latency", Json.write(event("latency", i, i % 2 == 1))));
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (received.size() < total - 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        stop.set(true);
        reader.join();
        monitor.close();
        double[] ms = new double[received.size()];
        int n = 0;
        for (Map.Entry<Long, Long> e : received.entrySet()) {
            ms[n++] = (e.getValue() - sent[(int) (long) e.getKey()]) / 1e6;
        }
        Arrays.sort(ms);
        // step 0 is finite with nothing firing yet: no decision; every later step makes exactly one
        System.out.printf("latency at %d events/s: %d of %d decisions, p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                rate, n, total - 1, percentile(ms, 0.50), percentile(ms, 0.99), n == 0 ? Double.NaN : ms[n - 1]);
    }

    private static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static KafkaProducer<String, String> producer(String servers) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", servers, "acks", "all", "linger.ms", 5),
                new StringSerializer(), new StringSerializer());
    }

    /** A plausible healthy probe step; {@code nonFinite} puts NaN into the loss and gradient norms. */
    static StepEvent event(String run, long step, boolean nonFinite) {
        double wobble = Math.sin(step * 0.7);
        Double bad = nonFinite ? Double.NaN : null;
        return new StepEvent(StepEvent.SCHEMA, run, step, "2026-11-20T10:00:00Z", "preference", "sigmoid",
                bad != null ? bad : 0.6 - 0.1 * wobble, 0.1, 5e-6, -40.0 + 0.1 * wobble, -60.0 - 0.2 * wobble,
                0.01, -0.02, 0.03, 1.0, 2.0, bad != null ? bad : 2.0 + 0.1 * wobble, 2.1, 0.48, 1.0, 1.0, 0.0,
                0.5, 0.45, step % 10 == 0 ? "both_down" : "ideal", 0.002, -0.002, 0.1, -0.1, 0.1, -0.1,
                null, null, null, 0.4, 0.05, 9000.0);
    }
}
