package dev.untangle.monitor;

import dev.untangle.broker.EmbeddedBroker;
import dev.untangle.policy.PolicyConfig;
import dev.untangle.wire.Alert;
import dev.untangle.wire.ControlCommand;
import dev.untangle.wire.Json;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Replays a step-event JSONL file through the real monitor (issue 9): publish the file to the steps
 * topic, run a fresh monitor until its committed offsets reach the end of the input (deterministic,
 * no sleeps), read back alerts and commands with read_committed, print each, then a one-line summary.
 * Without bootstrap servers it starts an {@link EmbeddedBroker} for the duration.
 *
 * <p>The monitor gets a fresh application id and a temporary state dir, so the verdict is the
 * policy's verdict on this file alone (earlier events of the same runs already in the topic are read
 * too and de-duplicated by step). Only outputs published after the replay started, about runs in the
 * file, are reported.
 */
public final class Replay {

    /** Everything a replay needs; {@link #of(Path)} gives the defaults. */
    public record Options(Path events, String bootstrapServers, PolicyConfig policy, TopicNames topics,
                          MeterRegistry registry, Duration timeout, PrintStream out) {
        public static Options of(Path events) {
            return new Options(events, null, PolicyConfig.defaults(), TopicNames.DEFAULT, new SimpleMeterRegistry(),
                    Duration.ofSeconds(120), System.out);
        }

        public Options withBootstrapServers(String v) {
            return new Options(events, v, policy, topics, registry, timeout, out);
        }

        public Options withPolicy(PolicyConfig v) {
            return new Options(events, bootstrapServers, v, topics, registry, timeout, out);
        }

        public Options withTopics(TopicNames v) {
            return new Options(events, bootstrapServers, policy, v, registry, timeout, out);
        }

        public Options withRegistry(MeterRegistry v) {
            return new Options(events, bootstrapServers, policy, topics, v, timeout, out);
        }

        public Options withOut(PrintStream v) {
            return new Options(events, bootstrapServers, policy, topics, registry, timeout, v);
        }
    }

    private Replay() {
    }

    /**
     * The CLI entry (the lead's picocli wrapper calls this): {@code bootstrapServers} and
     * {@code policyFile} may be null. Returns the exit status: 0 after a replay (whatever it found),
     * 2 when the input is invalid (missing file, no parsable line, bad policy), 1 on a runtime failure.
     */
    public static int main(String eventsFile, String bootstrapServers, String policyFile) {
        try {
            PolicyConfig policy = policyFile == null ? PolicyConfig.defaults() : PolicyConfig.load(Path.of(policyFile));
            run(Options.of(Path.of(eventsFile)).withBootstrapServers(bootstrapServers).withPolicy(policy));
            return 0;
        } catch (IllegalArgumentException | UncheckedIOException e) {
            System.err.println("replay: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            System.err.println("replay failed: " + e);
            return 1;
        }
    }

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: Replay <events.jsonl> [bootstrap-servers|-] [policy.yaml]");
            System.exit(2);
        }
        String servers = args.length > 1 && !args[1].equals("-") ? args[1] : null;
        System.exit(main(args[0], servers, args.length > 2 ? args[2] : null));
    }

    /** Runs the replay; throws IllegalArgumentException when the input itself is invalid. */
    public static ReplayResult run(Options o) {
        if (!Files.isRegularFile(o.events())) {
            throw new IllegalArgumentException("events file not found: " + o.events());
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(o.events());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + o.events(), e);
        }
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        Set<String> runIds = new LinkedHashSet<>();
        int unparsable = 0;
        int nonEmpty = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            nonEmpty++;
            MonitorInput parsed = MonitorInput.parseStep(null, line);
            if (parsed.badReason() != null) {
                unparsable++;
                o.out().printf("skipping %s line %d: %s%n", o.events().getFileName(), i + 1, parsed.badReason());
                continue;
            }
            runIds.add(parsed.step().runId());
            records.add(new ProducerRecord<>(o.topics().steps(), parsed.step().runId(), line));
        }
        if (records.isEmpty()) {
            throw new IllegalArgumentException("no parsable step event in " + o.events() + " (" + nonEmpty + " lines)");
        }

        EmbeddedBroker broker = o.bootstrapServers() == null ? EmbeddedBroker.start() : null;
        String servers = broker != null ? broker.bootstrapServers() : o.bootstrapServers();
        Path stateDir = null;
        try {
            stateDir = Files.createTempDirectory("untangle-replay-state");
            MonitorApp monitor = MonitorApp.builder()
                    .bootstrapServers(servers)
                    .applicationId("untangle-replay-" + UUID.randomUUID())
                    .stateDir(stateDir) // a one-shot replay: nothing to resume
                    .policy(o.policy())
                    .registry(o.registry())
                    .topics(o.topics())
                    .build();
            Map<TopicPartition, Long> outputStart;
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
                monitor.start(o.timeout());
                outputStart = MonitorApp.endOffsets(admin, List.of(o.topics().alerts(), o.topics().control()));
            }
            try {
                publish(servers, records);
                if (!monitor.awaitCaughtUp(o.timeout())) {
                    throw new IllegalStateException("monitor did not process the replayed events within " + o.timeout());
                }
            } finally {
                monitor.close();
            }
            ReplayResult result = readBack(servers, o.topics(), outputStart, runIds, lines.size(), records.size(), unparsable);
            for (Alert a : result.alerts()) {
                o.out().printf("alert   %-14s step %-6d %-18s %-8s %s%n", a.runId(), a.step(), a.kind(), a.state(), a.reason());
            }
            for (ControlCommand c : result.commands()) {
                o.out().printf("command %-14s step %-6d %s -> %s (%s) id %s%n", c.runId(), c.issuedAtStep(), c.action(),
                        c.lossType(), c.reason(), c.commandId());
            }
            o.out().println(result.summary());
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("Kafka request failed", e.getCause());
        } finally {
            deleteQuietly(stateDir);
            if (broker != null) {
                broker.close();
            }
        }
    }

    private static void publish(String servers, List<ProducerRecord<String, String>> records) {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            for (ProducerRecord<String, String> r : records) {
                producer.send(r);
            }
            producer.flush();
        }
    }

    /** Reads alerts and commands from {@code start} to the last stable offset, keeping the file's runs. */
    /**
     * Reads the monitor's alerts and control commands for {@code runIds} from offsets {@code start}
     * (read_committed, up to the current end). Other records on the alerts topic (the trainer's control
     * acknowledgements) are skipped by their schema. The control topic is writable by others: a record
     * that is not JSON (a stray or hostile message, which the trainer's listener already rejected) is
     * skipped with a warning, never allowed to fail the job's summary.
     */
    public static ReplayResult readBack(String servers, TopicNames topics, Map<TopicPartition, Long> start, Set<String> runIds,
                                 int lines, int parsed, int unparsable) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<Alert> alerts = new ArrayList<>();
        List<ControlCommand> commands = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(start.keySet());
            start.forEach(consumer::seek);
            Map<TopicPartition, Long> end = consumer.endOffsets(start.keySet()); // LSO under read_committed
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the monitor's outputs up to " + end);
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        if (r.topic().equals(topics.alerts())) {
                            Alert a = Json.read(r.value(), Alert.class);
                            if (Alert.SCHEMA.equals(a.schema()) && runIds.contains(a.runId())) {
                                alerts.add(a);
                            }
                        } else {
                            ControlCommand c = Json.read(r.value(), ControlCommand.class);
                            if (runIds.contains(c.runId())) {
                                commands.add(c);
                            }
                        }
                    } catch (IOException e) {
                        org.slf4j.LoggerFactory.getLogger(Replay.class).warn("skipping unreadable record at {}-{}@{}: {}",
                                r.topic(), r.partition(), r.offset(), e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse(""));
                    }
                }
            }
        }
        alerts.sort(Comparator.comparing(Alert::runId).thenComparingLong(Alert::step));
        commands.sort(Comparator.comparing(ControlCommand::runId).thenComparingLong(ControlCommand::issuedAtStep));
        return new ReplayResult(lines, parsed, unparsable, runIds, alerts, commands);
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp dir is harmless
        }
    }
}
