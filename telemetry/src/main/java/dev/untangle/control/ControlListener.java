package dev.untangle.control;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.untangle.publish.KafkaClientConfig;
import dev.untangle.wire.ControlAck;
import dev.untangle.wire.ControlCommand;
import dev.untangle.wire.Topics;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on {@link Topics#CONTROL} for commands to this run (DESIGN.md section 2). A background thread
 * consumes with its own consumer group per run ({@code untangle-trainer-<run id>}, read_committed,
 * starting at the group's stored offset, or at the end the first time), validates each command with
 * {@link CommandValidator}, and queues the accepted ones; the trainer calls {@link #drainAccepted()} at
 * step boundaries and {@link #setCurrentStep(long)} as it goes. A rejected command is logged in one line
 * (never its signature or raw text), counted, and answered with a ControlAck whose outcome is
 * "rejected" through {@code ackSink} (normally {@code TelemetryPublisher::publishAck}).
 */
public final class ControlListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlListener.class);

    private final String runId;
    private final CommandValidator validator;
    private final Consumer<ControlAck> ackSink;
    private final KafkaConsumer<String, String> consumer;
    private final ConcurrentLinkedQueue<ControlCommand> accepted = new ConcurrentLinkedQueue<>();
    private final AtomicLong currentStep = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong acceptedCount = new AtomicLong();
    private final CountDownLatch assigned = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    public ControlListener(KafkaClientConfig kafka, String runId, CommandValidator validator,
                           Consumer<ControlAck> ackSink) {
        this.runId = runId;
        this.validator = validator;
        this.ackSink = ackSink;
        this.consumer = new KafkaConsumer<>(kafka.consumerProperties("untangle-trainer-" + runId),
                new StringDeserializer(), new StringDeserializer());
        this.thread = new Thread(this::run, "control-listener-" + runId);
        this.thread.setDaemon(true);
    }

    /** Starts consuming; returns at once. */
    public ControlListener start() {
        thread.start();
        return this;
    }

    /**
     * Waits until the consumer owns its partitions and knows where it starts, so a command sent after
     * this returns is seen (the first start begins at the end of the topic).
     */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The trainer's step, for the "from the future" check. */
    public void setCurrentStep(long step) {
        currentStep.set(step);
    }

    /** Accepted commands in arrival order since the last call; never blocks. */
    public List<ControlCommand> drainAccepted() {
        List<ControlCommand> out = new ArrayList<>();
        for (ControlCommand c; (c = accepted.poll()) != null; ) {
            out.add(c);
        }
        return out;
    }

    /** Accepted command ids, for the checkpoint (see {@link CommandValidator#appliedIds()}). */
    public Set<String> appliedIds() {
        return validator.appliedIds();
    }

    public long rejectedCount() {
        return rejected.get();
    }

    public long acceptedCount() {
        return acceptedCount.get();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(Topics.CONTROL), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    for (TopicPartition tp : partitions) {
                        consumer.position(tp); // resolves "latest" now, not at the first record
                    }
                    assigned.countDown();
                }
            });
            while (running) {
                var records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, String> record : records) {
                    handle(record);
                }
                if (!records.isEmpty()) {
                    commit();
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            LOG.error("control listener for run {} stopped: {}", runId, e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /**
     * Stores the position so a restarted trainer resumes after these commands. A failed commit (broker
     * away) is not fatal: the next one covers it, and replays are caught by command id anyway.
     */
    private void commit() {
        try {
            consumer.commitSync(Duration.ofSeconds(5));
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("control listener for run {}: offset commit failed ({}); will retry with the next batch",
                    runId, e.toString());
        }
    }

    private void handle(ConsumerRecord<String, String> record) {
        long step = currentStep.get();
        CommandValidator.Verdict verdict = validator.validate(record.value(), step);
        ControlCommand c = verdict.command();
        if (verdict.accepted()) {
            acceptedCount.incrementAndGet();
            accepted.add(c);
            LOG.info("control command {} accepted: {} {} (issued at step {}, reason: {})", oneLine(c.commandId()),
                    c.action(), c.lossType() == null ? "" : c.lossType(), c.issuedAtStep(), oneLine(c.reason()));
            return;
        }
        rejected.incrementAndGet();
        LOG.warn("control command rejected ({}): {}; id {} partition {} offset {}", verdict.reason().wire(),
                oneLine(verdict.detail()), c == null ? "-" : oneLine(c.commandId()), record.partition(), record.offset());
        ackSink.accept(new ControlAck(ControlAck.SCHEMA, c == null ? null : c.commandId(), runId, step,
                Instant.now().toString(), c == null ? null : c.action(), c == null ? null : c.lossType(),
                "rejected", verdict.reason().wire() + ": " + verdict.detail()));
    }

    /** Text from a command, made safe for one log line: control characters replaced, length capped. */
    private static String oneLine(String text) {
        if (text == null) {
            return "-";
        }
        String clean = text.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= 200 ? clean : clean.substring(0, 200) + "...";
    }

    @Override
    public void close() {
        if (!thread.isAlive() && running) {
            running = false;
            consumer.close(Duration.ofSeconds(2));
            return;
        }
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
