package dev.untangle.monitor;

import dev.untangle.metrics.MonitorMetrics;
import dev.untangle.control.ControlSigner;
import dev.untangle.policy.PolicyConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * The monitor process: {@link MonitorTopology} on Kafka Streams. Defaults follow shared/notes/infra.md:
 * exactly_once_v2 (one alert, one command, even across crashes), commit.interval.ms 100 and producer
 * linger 5 ms for decision latency, static membership (group.instance.id) so a restarted instance
 * takes its partitions back at once, a persistent state dir (it holds the Streams process id), and
 * close() leaves the group so a successor does not wait for a session timeout.
 */
public final class MonitorApp implements AutoCloseable {
    private final Config config;
    private final MonitorMetrics metrics;
    private final KafkaStreams streams;

    /** Every setting with its default; build with {@link #builder()}. */
    public record Config(String bootstrapServers, String applicationId, Path stateDir, PolicyConfig policy,
                         String processingGuarantee, String instanceId, long commitIntervalMs,
                         MeterRegistry registry, TopicNames topics, ControlSigner signer, int threads,
                         int topicPartitions, Map<String, Object> overrides) {
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String bootstrapServers;
        private String applicationId = "untangle-monitor";
        private Path stateDir = Path.of("runs", "monitor-state");
        private PolicyConfig policy = PolicyConfig.defaults();
        private String processingGuarantee = StreamsConfig.EXACTLY_ONCE_V2;
        private String instanceId;
        private long commitIntervalMs = 100;
        private MeterRegistry registry;
        private TopicNames topics = TopicNames.DEFAULT;
        private ControlSigner signer;
        private int threads = 1;
        private int topicPartitions = 3;
        private final Map<String, Object> overrides = new HashMap<>();

        public Builder bootstrapServers(String v) { bootstrapServers = v; return this; }
        public Builder applicationId(String v) { applicationId = v; return this; }
        /** Persistent directory for RocksDB stores and the Streams process id (not a temp dir). */
        public Builder stateDir(Path v) { stateDir = v; return this; }
        public Builder policy(PolicyConfig v) { policy = v; return this; }
        /** exactly_once_v2 (default) or at_least_once. */
        public Builder processingGuarantee(String v) { processingGuarantee = v; return this; }
        /** Static membership id; default applicationId-hostname. */
        public Builder instanceId(String v) { instanceId = v; return this; }
        public Builder commitIntervalMs(long v) { commitIntervalMs = v; return this; }
        public Builder registry(MeterRegistry v) { registry = v; return this; }
        public Builder topics(TopicNames v) { topics = v; return this; }
        public Builder signer(ControlSigner v) { signer = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        /** Partitions for topics the monitor has to create (existing topics are left alone). */
        public Builder topicPartitions(int v) { topicPartitions = v; return this; }
        /** Any other Streams/client property (wins over the defaults above). */
        public Builder override(String key, Object value) { overrides.put(key, value); return this; }

        public MonitorApp build() {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers is required");
            }
            String instance = instanceId != null ? instanceId : applicationId + "-" + hostname();
            return new MonitorApp(new Config(bootstrapServers, applicationId, stateDir, policy, processingGuarantee,
                    instance, commitIntervalMs, registry != null ? registry : new SimpleMeterRegistry(), topics, signer,
                    threads, topicPartitions, Map.copyOf(overrides)));
        }
    }

    private MonitorApp(Config config) {
        this.config = config;
        this.metrics = new MonitorMetrics(config.registry());
        this.streams = new KafkaStreams(
                MonitorTopology.build(config.policy(), metrics, config.topics(), config.signer()), properties(config));
        metrics.bindStreams(streams);
    }

    static Properties properties(Config c) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, c.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, c.stateDir().toAbsolutePath().toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, c.processingGuarantee());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, c.commitIntervalMs());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, c.threads());
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), c.instanceId());
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        p.putAll(c.overrides());
        return p;
    }

    public Config config() {
        return config;
    }

    public MonitorMetrics metrics() {
        return metrics;
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** Creates missing topics, starts Streams and waits until it is RUNNING. */
    public MonitorApp start(Duration timeout) {
        ensureTopics();
        streams.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING
                    || System.nanoTime() > deadline) {
                throw new IllegalStateException("monitor " + config.applicationId() + " did not reach RUNNING within "
                        + timeout + ", state " + streams.state());
            }
            sleep(20);
        }
        return this;
    }

    private void ensureTopics() {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", config.bootstrapServers()))) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : config.topics().all()) {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, Optional.of(config.topicPartitions()), Optional.empty()));
                }
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e; // another process creating them at the same time is fine
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create monitor topics on " + config.bootstrapServers(), e.getCause());
        }
    }

    /**
     * Waits until the monitor's committed input offsets reach the current end of the steps and evals
     * topics. Under exactly_once_v2 offsets commit in the same transaction as the outputs, so after
     * this returns every decision about those events is readable with read_committed.
     *
     * @return false on timeout
     */
    public boolean awaitCaughtUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", config.bootstrapServers()))) {
            Map<TopicPartition, Long> ends = endOffsets(admin, List.of(config.topics().steps(), config.topics().evals()));
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(config.applicationId()).partitionsToOffsetAndMetadata().get();
                boolean done = true;
                for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                    OffsetAndMetadata c = committed.get(end.getKey());
                    if ((c == null ? 0 : c.offset()) < end.getValue()) {
                        done = false;
                        break;
                    }
                }
                if (done) {
                    return true;
                }
                sleep(20);
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read offsets of " + config.applicationId(), e.getCause());
        }
    }

    static Map<TopicPartition, Long> endOffsets(Admin admin, List<String> topics)
            throws InterruptedException, ExecutionException {
        Map<String, TopicDescription> descriptions = admin.describeTopics(topics).allTopicNames().get();
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        descriptions.values().forEach(d -> d.partitions().forEach(
                p -> request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> ends = new HashMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e
                : admin.listOffsets(request).all().get().entrySet()) {
            ends.put(e.getKey(), e.getValue().offset());
        }
        return ends;
    }

    /** Closes Streams and leaves the group, so a successor gets the partitions without waiting. */
    @Override
    public void close() {
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "local";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

}
