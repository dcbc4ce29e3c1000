package dev.untangle.cli;

import dev.untangle.control.ControlSigner;
import dev.untangle.publish.KafkaClientConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Kafka, metrics-endpoint and control-security options of `run` and `monitor`. */
final class KafkaOptions {
    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers; none = start an embedded single-node KRaft broker in this process")
    String bootstrapServers;

    @Option(names = "--kafka-config", description = "Kafka client properties file (e.g. security.protocol=SASL_SSL, sasl.jaas.config); "
            + "values may be $${env:NAME} or $${file:path} so secrets stay out of the file")
    Path kafkaConfig;

    @Option(names = "--metrics-port", defaultValue = "9403", description = "port of the Prometheus /metrics endpoint; 0 = any free port (default: ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = "--metrics-bind", defaultValue = "127.0.0.1", description = "address the /metrics endpoint binds to (default: ${DEFAULT-VALUE})")
    String metricsBind;

    @Option(names = "--control-key-file", defaultValue = "${env:UNTANGLE_CONTROL_KEY_FILE}",
            description = "file holding the HMAC key that control commands must be signed with (or env UNTANGLE_CONTROL_KEY_FILE); "
                    + "without one, commands are accepted unsigned (lock the control topic with Kafka ACLs)")
    Path controlKeyFile;

    KafkaClientConfig clientConfig(String bootstrap) {
        KafkaClientConfig base = kafkaConfig == null ? KafkaClientConfig.of(bootstrap) : KafkaClientConfig.load(kafkaConfig);
        return bootstrap == null ? base : base.withBootstrapServers(bootstrap);
    }

    ControlSigner signer() {
        return controlKeyFile == null ? null : ControlSigner.fromFile(controlKeyFile);
    }
}
