package dev.untangle.publish;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.untangle.wire.ControlAck;
import dev.untangle.wire.EvalEvent;
import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;
import dev.untangle.wire.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the trainer's events (DESIGN.md section 2: steps, evals, and control acks on the alerts
 * topic), keyed by run id so one run stays on one partition and keeps its order.
 *
 * <p>The training thread only serializes the event and offers it to a bounded in-memory queue: it never
 * waits on Kafka. One background thread owns the producer (idempotent, acks=all) and a local
 * {@link Spool}. Routing rule, which keeps each run's events in order:
 * <ul>
 *   <li>an event goes straight to the producer only if the spool holds nothing unsent, the producer's
 *       oldest unacknowledged record is younger than {@code stallTimeout}, and fewer than
 *       {@code maxInFlight} records are unacknowledged;</li>
 *   <li>otherwise it is appended to the spool; once anything is spooled, later events follow it there
 *       until the spool has drained;</li>
 *   <li>the spool is drained front to back whenever the producer is healthy again; its lines leave the
 *       file only when Kafka acknowledges them.</li>
 * </ul>
 * Records already handed to the producer are retried by it until they land (delivery timeout
 * unbounded; idempotence makes each retry land once and in order). A full spool (max events or bytes)
 * or a full queue drops the event, counts it and says so in the log. {@link #close()} flushes for up to
 * {@code closeTimeout} and writes whatever is still unacknowledged back to the front of the spool, which
 * the next publisher replays before anything new. Across a crash delivery is at least once (the
 * monitor deduplicates by run and step).
 */
public final class TelemetryPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryPublisher.class);
    private static final int SPOOL_READ_BATCH = 256;

    /** Tunables; {@link #defaults(String, Path)} suits a trainer publishing a few events per second. */
    public record Settings(
            String runId,
            Path spoolFile,
            int queueCapacity,
            long maxSpoolEvents,
            long maxSpoolBytes,
            Duration stallTimeout,
            int maxInFlight,
            Duration closeTimeout,
            Duration spoolFsyncInterval) {

        public static Settings defaults(String runId, Path spoolFile) {
            return new Settings(runId, spoolFile, 10_000, 1_000_000, 512L * 1024 * 1024,
                    Duration.ofSeconds(1), 1_000, Duration.ofSeconds(10), Duration.ofSeconds(1));
        }

        public Settings withMaxSpoolEvents(long max) {
            return new Settings(runId, spoolFile, queueCapacity, max, maxSpoolBytes, stallTimeout, maxInFlight,
                    closeTimeout, spoolFsyncInterval);
        }

        public Settings withCloseTimeout(Duration timeout) {
            return new Settings(runId, spoolFile, queueCapacity, maxSpoolEvents, maxSpoolBytes, stallTimeout,
                    maxInFlight, timeout, spoolFsyncInterval);
        }

        public Settings withStallTimeout(Duration timeout) {
            return new Settings(runId, spoolFile, queueCapacity, maxSpoolEvents, maxSpoolBytes, timeout,
                    maxInFlight, closeTimeout, spoolFsyncInterval);
        }
    }

    /** One event on its way: from the queue or the spool, then in flight in the producer. */
    private static final class Outgoing {
        final String topic;
        final String key;
        final String value;
        final boolean fromSpool;
        final long spoolEndOffset;
        final int spoolBytes;
        long sentNanos;
        volatile int state; // 0 in flight, 1 acknowledged, 2 failed for good
        volatile Exception error;

        Outgoing(String topic, String key, String value, boolean fromSpool, long spoolEndOffset) {
            this.topic = topic;
            this.key = key;
            this.value = value;
            this.fromSpool = fromSpool;
            this.spoolEndOffset = spoolEndOffset;
            this.spoolBytes = fromSpool ? Spool.sizeOf(topic, key, value) : 0;
        }
    }

    private final Settings settings;
    private final Producer<String, String> producer;
    private final Spool spool;
    /** Lock-free, so the training thread never waits for the worker; bounded by {@link #queued}. */
    private final ConcurrentLinkedQueue<Outgoing> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final ArrayDeque<Outgoing> inFlight = new ArrayDeque<>();
    private final Thread worker;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closing;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong spooled = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong spoolSize = new AtomicLong();
    private boolean spoolFullReported;
    private boolean queueFullReported;
    private long sendBlockedUntilNanos;

    public TelemetryPublisher(KafkaClientConfig kafka, Settings settings) {
        this(new KafkaProducer<>(kafka.producerProperties(), new StringSerializer(), new StringSerializer()),
                settings);
        LOG.info("telemetry publisher for run {} -> {} (spool {})", settings.runId(), kafka.bootstrapServers(),
                settings.spoolFile());
    }

    TelemetryPublisher(Producer<String, String> producer, Settings settings) {
        this.settings = settings;
        this.producer = producer;
        this.spool = new Spool(settings.spoolFile(), settings.spoolFsyncInterval().toMillis());
        this.spoolSize.set(spool.pendingEvents());
        warmUpSerializers();
        this.worker = new Thread(this::run, "telemetry-publisher-" + settings.runId());
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /**
     * Jackson builds a record's serializer on first use (tens of ms); do it here, not on the first
     * training step.
     */
    private static void warmUpSerializers() {
        for (Class<? extends Record> type : List.of(StepEvent.class, EvalEvent.class, ControlAck.class)) {
            try {
                var components = type.getRecordComponents();
                Class<?>[] types = new Class<?>[components.length];
                Object[] values = new Object[components.length];
                for (int i = 0; i < components.length; i++) {
                    types[i] = components[i].getType();
                    if (types[i] == long.class) {
                        values[i] = 0L;
                    } else if (types[i] == int.class) {
                        values[i] = 0;
                    }
                }
                Json.write(type.getDeclaredConstructor(types).newInstance(values));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot warm up the serializer of " + type.getSimpleName(), e);
            }
        }
    }

    public void publishStep(StepEvent event) {
        enqueue(Topics.STEPS, Json.write(event));
    }

    public void publishEval(EvalEvent event) {
        enqueue(Topics.EVALS, Json.write(event));
    }

    /** Control acknowledgements go to the alerts topic (see {@link ControlAck}), where operators look. */
    public void publishAck(ControlAck ack) {
        enqueue(Topics.ALERTS, Json.write(ack));
    }

    /** Never blocks: a full queue (the worker is far behind) drops the event and counts it. */
    private void enqueue(String topic, String json) {
        if (closing) {
            dropped.incrementAndGet();
            return;
        }
        if (queued.incrementAndGet() > settings.queueCapacity()) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
            if (!queueFullReported) {
                queueFullReported = true;
                LOG.warn("telemetry queue full ({} events): dropping events until the publisher catches up",
                        settings.queueCapacity());
            }
        } else {
            queue.add(new Outgoing(topic, settings.runId(), json, false, -1));
            queueFullReported = false;
        }
    }

    /** Events Kafka has acknowledged. */
    public long sentCount() {
        return sent.get();
    }

    /** Events written to the spool (each counted once, when spooled). */
    public long spooledCount() {
        return spooled.get();
    }

    /** Events lost: queue full, spool full, or refused by the broker for good. */
    public long droppedCount() {
        return dropped.get();
    }

    /** Events in the spool not yet acknowledged by Kafka. */
    public long spoolSize() {
        return spoolSize.get();
    }

    public String runId() {
        return settings.runId();
    }

    private void run() {
        try {
            while (!closing || !queue.isEmpty()) {
                settle();
                boolean idle = true;
                for (Outgoing o; (o = queue.poll()) != null; ) {
                    queued.decrementAndGet();
                    route(o);
                    idle = false;
                }
                drainSpool();
                spool.maybeSync(false);
                spoolSize.set(spool.pendingEvents());
                if (idle) {
                    LockSupport.parkNanos(5_000_000L); // the producer lingers 5 ms anyway
                }
            }
        } catch (RuntimeException e) {
            LOG.error("telemetry publisher thread failed; events from now on are dropped", e);
        }
        try {
            finish();
        } catch (RuntimeException e) {
            LOG.error("telemetry publisher for run {} could not save its unsent events", settings.runId(), e);
        } finally {
            stopped.countDown();
        }
    }

    private boolean producerHealthy() {
        Outgoing oldest = inFlight.peekFirst();
        if (System.nanoTime() < sendBlockedUntilNanos) {
            return false;
        }
        return oldest == null
                || (System.nanoTime() - oldest.sentNanos < settings.stallTimeout().toNanos()
                    && inFlight.size() < settings.maxInFlight());
    }

    private void route(Outgoing o) {
        if (!spool.hasUnread() && producerHealthy()) {
            send(o);
        } else {
            toSpool(o);
        }
    }

    private void toSpool(Outgoing o) {
        long bytes = Spool.sizeOf(o.topic, o.key, o.value);
        if (spool.pendingEvents() + 1 > settings.maxSpoolEvents()
                || spool.pendingBytes() + bytes > settings.maxSpoolBytes()) {
            dropped.incrementAndGet();
            if (!spoolFullReported) {
                spoolFullReported = true;
                LOG.warn("telemetry spool {} is full ({} events, {} bytes; limits {} events, {} bytes): "
                                + "dropping new events until Kafka is reachable again",
                        settings.spoolFile(), spool.pendingEvents(), spool.pendingBytes(),
                        settings.maxSpoolEvents(), settings.maxSpoolBytes());
            }
            return;
        }
        if (spool.isEmpty()) {
            LOG.warn("Kafka unreachable or slow (oldest unacknowledged event older than {} ms): spooling events to {}",
                    settings.stallTimeout().toMillis(), settings.spoolFile());
        }
        spool.append(o.topic, o.key, o.value);
        spooled.incrementAndGet();
    }

    /** Hands one event to the producer; a send that cannot even start (no metadata) goes to the spool. */
    private boolean send(Outgoing o) {
        o.sentNanos = System.nanoTime();
        try {
            producer.send(new ProducerRecord<>(o.topic, o.key, o.value), (metadata, exception) -> {
                if (exception == null) {
                    o.state = 1;
                } else {
                    o.error = exception;
                    o.state = 2;
                }
            });
        } catch (RuntimeException e) {
            o.error = e;
            o.state = 2;
        }
        if (o.state == 2 && o.error instanceof RetriableException) {
            // The send never left this thread: max.block.ms passed waiting for metadata or buffer space
            // (the producer reports that through the callback, synchronously). Kafka is not reachable now.
            o.state = 0;
            o.error = null;
            sendBlockedUntilNanos = System.nanoTime() + settings.stallTimeout().toNanos();
            if (!o.fromSpool) {
                toSpool(o);
            }
            return false;
        }
        inFlight.addLast(o);
        return true;
    }

    /** Retires acknowledged records from the front of the in-flight window, in order. */
    private void settle() {
        long ackedSpoolEnd = -1;
        int ackedSpoolLines = 0;
        long ackedSpoolBytes = 0;
        while (!inFlight.isEmpty() && inFlight.peekFirst().state != 0) {
            Outgoing o = inFlight.pollFirst();
            if (o.state == 1) {
                sent.incrementAndGet();
            } else {
                dropped.incrementAndGet();
                LOG.warn("Kafka refused an event for {} for good ({}); dropped", o.topic,
                        o.error == null ? "unknown" : o.error.toString());
            }
            if (o.fromSpool) {
                ackedSpoolEnd = o.spoolEndOffset;
                ackedSpoolLines++;
                ackedSpoolBytes += o.spoolBytes;
            }
        }
        if (ackedSpoolEnd >= 0) {
            boolean wasFull = spoolFullReported;
            spool.acknowledge(ackedSpoolEnd, ackedSpoolLines, ackedSpoolBytes);
            if (spool.isEmpty()) {
                spoolFullReported = false;
                LOG.info("telemetry spool drained{}", wasFull ? "; dropped events so far: " + dropped.get() : "");
            }
        }
    }

    /** Sends the oldest spooled events, in order, while the producer keeps up. */
    private void drainSpool() {
        List<String> malformed = new ArrayList<>();
        while (spool.hasUnread() && producerHealthy()) {
            int room = Math.min(SPOOL_READ_BATCH, settings.maxInFlight() - inFlight.size());
            if (room <= 0) {
                return;
            }
            List<Spool.Line> lines = spool.read(room, malformed);
            for (String where : malformed) {
                LOG.warn("telemetry spool: skipping a line that is not a spool record ({})", where);
            }
            malformed.clear();
            for (int i = 0; i < lines.size(); i++) {
                Spool.Line line = lines.get(i);
                Outgoing o = new Outgoing(line.topic(), line.key(), line.value(), true, line.endOffset());
                if (line.topic() == null) {
                    // an unreadable line is retired in order and counted as dropped
                    o.error = new IllegalArgumentException("malformed spool line");
                    o.state = 2;
                    inFlight.addLast(o);
                } else if (!send(o)) {
                    // Kafka not reachable: this line and the rest of the batch stay in the spool
                    spool.unread(line.startOffset(), lines.size() - i);
                    return;
                }
            }
        }
    }

    /**
     * Flushes for up to {@code closeTimeout}, then aborts what the producer still holds and writes every
     * unacknowledged event back to the front of the spool for the next publisher. Events published after
     * close are dropped and counted.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        try {
            if (!stopped.await(settings.closeTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
                LOG.warn("telemetry publisher for run {} did not stop in time", settings.runId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs on the worker thread after the queue is empty. */
    private void finish() {
        long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
        for (Outgoing o; (o = queue.poll()) != null; ) { // raced with close(): still ours to deliver
            queued.decrementAndGet();
            route(o);
        }
        while ((!inFlight.isEmpty() || spool.hasUnread()) && System.nanoTime() < deadline) {
            settle();
            drainSpool();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        producer.close(Duration.ZERO);
        // What the producer still held is aborted now: not delivered, so it goes back to the spool.
        List<String[]> unacknowledged = new ArrayList<>();
        for (Outgoing o : inFlight) {
            if (o.state == 1) {
                sent.incrementAndGet();
            } else if (o.topic != null) {
                unacknowledged.add(new String[] {o.topic, o.key, o.value});
                if (!o.fromSpool) {
                    spooled.incrementAndGet();
                }
            }
        }
        if (!unacknowledged.isEmpty()) {
            spool.rewriteWithFront(unacknowledged);
        }
        long left = unacknowledged.isEmpty() ? spool.pendingEvents() : unacknowledged.size() + spool.unreadEvents();
        spool.close();
        spoolSize.set(left);
        LOG.info("telemetry publisher for run {} closed: sent {}, spooled {}, dropped {}, left in spool {}",
                settings.runId(), sent.get(), spooled.get(), dropped.get(), left);
    }
}
