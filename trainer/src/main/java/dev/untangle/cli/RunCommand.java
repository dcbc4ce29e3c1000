package dev.untangle.cli;

import dev.untangle.broker.EmbeddedBroker;
import dev.untangle.checkpoint.TrainingState;
import dev.untangle.control.CommandValidator;
import dev.untangle.control.ControlListener;
import dev.untangle.control.ControlSigner;
import dev.untangle.events.EventSink;
import dev.untangle.events.JsonlEventFile;
import dev.untangle.events.KafkaControl;
import dev.untangle.events.KafkaEventSink;
import dev.untangle.events.MetricsSink;
import dev.untangle.loop.SftTrainer;
import dev.untangle.loss.Losses;
import dev.untangle.metrics.MetricsServer;
import dev.untangle.metrics.TrainerMetrics;
import dev.untangle.monitor.MonitorApp;
import dev.untangle.monitor.Replay;
import dev.untangle.monitor.ReplayResult;
import dev.untangle.monitor.TopicNames;
import dev.untangle.policy.PolicyConfig;
import dev.untangle.preference.PreferenceTrainer;
import dev.untangle.publish.KafkaClientConfig;
import dev.untangle.publish.TelemetryPublisher;
import dev.untangle.wire.Alert;
import dev.untangle.wire.Json;
import dev.untangle.wire.Topics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * ./untangle run: the whole job in one command. An embedded Kafka broker unless --bootstrap-servers
 * is given, the Kafka Streams monitor, SFT unless --init, then preference training with the probe,
 * telemetry to Kafka and auto-switching on; a summary and a report at the end.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "The whole job: (embedded) Kafka, monitor, SFT, preference training with the probe and automatic loss switching, report.")
public final class RunCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    PreferenceOptions preference;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--data", required = true, description = "preference pairs (.jsonl/.gz)")
    Path data;

    @Option(names = "--init", description = "SFT model to start from; without it SFT runs first")
    Path init;

    @Option(names = "--out", defaultValue = "runs/run", description = "run folder: sft/, train/, events.jsonl, alerts.jsonl, report/ (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--run-id", defaultValue = "run", description = "run id (Kafka key, metrics label) (default: ${DEFAULT-VALUE})")
    String runId;

    @Option(names = "--model", defaultValue = "small", description = "size preset for SFT (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--sft-steps", defaultValue = "300", description = "SFT steps when no --init (default: ${DEFAULT-VALUE})")
    long sftSteps;

    @Option(names = "--sft-lr", defaultValue = "1e-3", description = "SFT learning rate (default: ${DEFAULT-VALUE})")
    double sftLr;

    @Option(names = "--policy", description = "monitor policy YAML (defaults documented in telemetry/POLICY.md)")
    Path policy;

    @Option(names = "--no-monitor", description = "do not run the monitor in this process (one runs elsewhere)")
    boolean noMonitor;

    @Option(names = "--resume", description = "continue an interrupted run in --out")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        Files.createDirectories(out);
        EmbeddedBroker broker = null;
        MonitorApp monitor = null;
        MetricsServer metricsServer = null;
        try {
            String bootstrap = kafka.bootstrapServers;
            if (bootstrap == null) {
                broker = EmbeddedBroker.start();
                bootstrap = broker.bootstrapServers();
                broker.createTopics(Topics.STEPS, Topics.EVALS, Topics.ALERTS, Topics.CONTROL);
                System.out.println("kafka: embedded broker at " + bootstrap);
            }
            KafkaClientConfig client = kafka.clientConfig(bootstrap);
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            metricsServer = MetricsServer.start(registry, kafka.metricsBind, kafka.metricsPort);
            System.out.println("metrics: " + metricsServer.url());
            Map<TopicPartition, Long> alertStart = endOffsets(client, Topics.ALERTS, Topics.CONTROL);
            if (!noMonitor) {
                PolicyConfig policyConfig = policy == null ? PolicyConfig.bundled() : PolicyConfig.load(policy);
                MonitorApp.Builder builder = MonitorApp.builder().bootstrapServers(bootstrap)
                        .stateDir(out.resolve("monitor-state")).policy(policyConfig).registry(registry);
                monitor = builder.build().start(Duration.ofSeconds(90));
                System.out.println("monitor: running (exactly-once), policy " + (policy == null ? "defaults" : policy));
            }

            Path sftModel = init;
            if (sftModel == null) {
                SftCommand sft = new SftCommand();
                sft.common = common;
                sft.data = data;
                sft.out = out.resolve("sft");
                sft.model = model;
                sft.steps = sftSteps;
                sft.batch = 16;
                sft.lr = sftLr;
                sft.checkpointEvery = 100;
                sft.resume = resume;
                SftTrainer.Result r = SftCommand.run(sft);
                sftModel = r.checkpoint() != null ? r.checkpoint() : out.resolve("sft");
            }

            ControlSigner signer = kafka.signer();
            TrainerMetrics trainerMetrics = new TrainerMetrics(registry, runId);
            TelemetryPublisher publisher = new TelemetryPublisher(client,
                    TelemetryPublisher.Settings.defaults(runId, out.resolve("telemetry-spool.jsonl")));
            trainerMetrics.bindPublisher(publisher);
            Path eventsFile = out.resolve("events.jsonl");
            PreferenceTrainer.Summary summary;
            try (EventSink sink = EventSink.all(new JsonlEventFile(eventsFile, resume), new MetricsSink(trainerMetrics),
                    new KafkaEventSink(publisher))) {
                summary = PreferenceJob.run(runId, data, sftModel, out.resolve("train"), resume, common, preference, sink,
                        (TrainingState state) -> {
                            Set<String> applied = state == null ? new HashSet<>() : new HashSet<>(state.appliedCommandIds());
                            CommandValidator validator = new CommandValidator(runId, Losses::isKnown, 5, signer, applied);
                            ControlListener listener = new ControlListener(client, runId, validator, publisher::publishAck).start();
                            trainerMetrics.bindControl(listener);
                            try {
                                listener.awaitReady(Duration.ofSeconds(30));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return new KafkaControl(listener);
                        });
            }
            if (monitor != null) {
                monitor.awaitCaughtUp(Duration.ofSeconds(60));
            }
            ReplayResult decisions = Replay.readBack(bootstrap, TopicNames.DEFAULT, alertStart, Set.of(runId), 0, 0, 0);
            Path alertsFile = out.resolve("alerts.jsonl");
            try (BufferedWriter w = Files.newBufferedWriter(alertsFile)) {
                for (Alert a : decisions.alerts()) {
                    w.write(Json.write(a));
                    w.newLine();
                }
            }
            Path tokenMaps = TokenMaps.forReport(out.resolve("train"), data, common, out.resolve("tokenmaps"), 2);
            Path report = Reports.write(eventsFile, alertsFile, tokenMaps, out.resolve("report"), "untangle run " + runId);
            System.out.println();
            System.out.println("== summary ==");
            System.out.printf("steps: %d; cases %s; skipped %d%n", summary.steps(), summary.cases(), summary.skippedSteps());
            System.out.println("alerts: " + (decisions.alerts().isEmpty() ? "none" : decisions.alertsByKind()));
            decisions.alerts().forEach(a -> System.out.printf("  step %d %s %s: %s%n", a.step(), a.kind(), a.state(), a.reason()));
            System.out.println("switch commands: " + decisions.commands().size() + "; applied switches: " + summary.switches());
            System.out.printf("telemetry: %d sent, %d spooled, %d dropped%n", publisher.sentCount(), publisher.spooledCount(),
                    publisher.droppedCount());
            System.out.println("outputs: events " + eventsFile + ", alerts " + alertsFile + ", checkpoints "
                    + out.resolve("train/checkpoints") + (report != null ? ", report " + report : ""));
            System.out.printf("wall time: %.1f s%n", (System.nanoTime() - start) / 1e9);
            return summary.stopReason() == null ? 0 : 3;
        } finally {
            if (monitor != null) {
                monitor.close();
            }
            if (metricsServer != null) {
                metricsServer.close();
            }
            if (broker != null) {
                broker.close();
            }
        }
    }

    /** Current end offsets of the topics' partitions: the run reads only the decisions made after it started. */
    private static Map<TopicPartition, Long> endOffsets(KafkaClientConfig client, String... topics) throws Exception {
        Map<TopicPartition, Long> out = new HashMap<>();
        try (Admin admin = Admin.create(client.consumerProperties("untangle-run-offsets"))) {
            for (var d : admin.describeTopics(List.of(topics)).allTopicNames().get().values()) {
                for (var p : d.partitions()) {
                    out.put(new TopicPartition(d.name(), p.partition()), null);
                }
            }
            var specs = new HashMap<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec>();
            out.keySet().forEach(tp -> specs.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()));
            admin.listOffsets(specs).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        }
        return out;
    }
}
