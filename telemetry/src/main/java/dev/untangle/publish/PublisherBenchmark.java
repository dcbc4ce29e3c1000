package dev.untangle.publish;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import dev.untangle.broker.EmbeddedBroker;
import dev.untangle.wire.StepEvent;
import dev.untangle.wire.Topics;

/**
 * What publishing costs the training loop: wall time of {@link TelemetryPublisher#publishStep} with the
 * embedded broker up, median / p99 / max in microseconds. Not a test (timings depend on the machine).
 *
 * <p>Usage: {@code java -cp <telemetry classpath> dev.untangle.publish.PublisherBenchmark [events] [pauseMicros]}
 * (defaults 20000 events, 1000 us between calls, i.e. a trainer far faster than a real one).
 */
public final class PublisherBenchmark {
    private PublisherBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        long pauseNanos = (args.length > 1 ? Long.parseLong(args[1]) : 1_000) * 1_000L;
        Path dir = Files.createTempDirectory("untangle-bench-");
        try (EmbeddedBroker broker = EmbeddedBroker.start()) {
            broker.createTopics(Topics.STEPS, Topics.EVALS, Topics.ALERTS);
            TelemetryPublisher publisher = new TelemetryPublisher(KafkaClientConfig.of(broker.bootstrapServers()),
                    TelemetryPublisher.Settings.defaults("bench", dir.resolve("spool.jsonl")));
            int warmUp = Math.min(2_000, events);
            long[] nanos = new long[events];
            for (int i = 0; i < warmUp + events; i++) {
                StepEvent event = event(i);
                long t0 = System.nanoTime();
                publisher.publishStep(event);
                long t1 = System.nanoTime();
                if (i >= warmUp) {
                    nanos[i - warmUp] = t1 - t0;
                }
                while (System.nanoTime() - t1 < pauseNanos) {
                    Thread.onSpinWait();
                }
            }
            publisher.close();
            Arrays.sort(nanos);
            System.out.printf("publishStep over %d events (after %d warm-up, %d us apart): median %.1f us, "
                            + "p99 %.1f us, max %.1f us; sent %d, spooled %d, dropped %d%n",
                    events, warmUp, pauseNanos / 1000, nanos[events / 2] / 1e3, nanos[(int) (events * 0.99)] / 1e3,
                    nanos[events - 1] / 1e3, publisher.sentCount(), publisher.spooledCount(), publisher.droppedCount());
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static StepEvent event(long step) {
        return new StepEvent(StepEvent.SCHEMA, "bench", step, java.time.Instant.now().toString(), "preference",
                "sigmoid", 0.69, 0.1, 1e-4, -40.0, -42.0, 0.01, -0.01, 0.02, 0.75, 1.5, 2.0, 3.0, 0.25, 1.0, 1.0,
                0.0, 0.375, 0.1667, "ideal", 0.01, -0.01, 0.011, -0.009, 0.01, -0.01, 0.9, 0.1, 2.3, 0.05, 0.01,
                12000.0);
    }
}
