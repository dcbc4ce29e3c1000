package dev.untangle.cli;

import dev.untangle.broker.EmbeddedBroker;
import dev.untangle.control.ControlSigner;
import dev.untangle.metrics.MetricsServer;
import dev.untangle.monitor.MonitorApp;
import dev.untangle.policy.PolicyConfig;
import dev.untangle.wire.Topics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** ./untangle monitor: the Kafka Streams monitor as a long-running service (Ctrl-C or SIGTERM stops it cleanly). */
@Command(name = "monitor", mixinStandardHelpOptions = true,
        description = "Run the entanglement monitor (Kafka Streams, exactly-once): alerts and loss-switch commands per run.")
public final class MonitorCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--policy", description = "policy YAML; unset keys keep their documented defaults (telemetry/POLICY.md)")
    Path policy;

    @Option(names = "--state-dir", defaultValue = "${env:UNTANGLE_STATE_DIR:-runs/monitor-state}",
            description = "persistent Kafka Streams state folder (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @Option(names = "--application-id", defaultValue = "untangle-monitor", description = "Kafka Streams application id (default: ${DEFAULT-VALUE})")
    String applicationId;

    @Override
    public Integer call() throws Exception {
        EmbeddedBroker broker = null;
        String bootstrap = kafka.bootstrapServers;
        if (bootstrap == null) {
            broker = EmbeddedBroker.start();
            bootstrap = broker.bootstrapServers();
            broker.createTopics(Topics.STEPS, Topics.EVALS, Topics.ALERTS, Topics.CONTROL);
            System.out.println("kafka: embedded broker at " + bootstrap);
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ControlSigner signer = kafka.signer();
        MonitorApp.Builder builder = MonitorApp.builder().bootstrapServers(bootstrap).applicationId(applicationId)
                .stateDir(stateDir).policy(policy == null ? PolicyConfig.bundled() : PolicyConfig.load(policy))
                .registry(registry);
        if (signer != null) {
            builder.signer(signer);
        }
        kafka.clientConfig(bootstrap).producerProperties().forEach((k, v) -> {
            String key = String.valueOf(k);
            if (key.startsWith("security.") || key.startsWith("sasl.") || key.startsWith("ssl.")) {
                builder.override(key, v);
            }
        });
        CountDownLatch stop = new CountDownLatch(1);
        try (MetricsServer metrics = MetricsServer.start(registry, kafka.metricsBind, kafka.metricsPort)) {
            MonitorApp app = builder.build().start(Duration.ofSeconds(120));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                app.close();
                stop.countDown();
            }, "monitor-shutdown"));
            System.out.println("monitor: running; metrics at " + metrics.url() + "; Ctrl-C to stop");
            stop.await();
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
        return 0;
    }
}
