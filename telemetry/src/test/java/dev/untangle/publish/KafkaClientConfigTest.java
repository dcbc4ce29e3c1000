package dev.untangle.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientConfigTest {

    @Test
    void fileMergesOverDefaultsAndResolvesSecretsWithoutLoggingThem(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("kafka-password"), "s3cr3t-from-file\n");
        Path file = dir.resolve("client.properties");
        Files.writeString(file, String.join("\n",
                "bootstrap.servers=kafka-0.example:9093",
                "security.protocol=SASL_SSL",
                "sasl.mechanism=SCRAM-SHA-512",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"${env:KAFKA_USER}\" password=\"${file:kafka-password}\";",
                "ssl.truststore.password=${env:TRUSTSTORE_PASSWORD}",
                "acks=0",
                "linger.ms=20"));
        KafkaClientConfig config = KafkaClientConfig.load(file,
                Map.of("KAFKA_USER", "trainer", "TRUSTSTORE_PASSWORD", "changeit")::get);

        Properties producer = config.producerProperties();
        assertEquals("kafka-0.example:9093", producer.getProperty("bootstrap.servers"));
        assertEquals("SASL_SSL", producer.getProperty("security.protocol"));
        assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"trainer\" password=\"s3cr3t-from-file\";", producer.getProperty("sasl.jaas.config"));
        assertEquals("changeit", producer.getProperty("ssl.truststore.password"));
        assertEquals("20", producer.getProperty("linger.ms"), "file overrides a default");
        assertEquals("all", producer.getProperty("acks"), "acks=all is forced: exactly-once needs it");
        assertEquals("true", producer.getProperty("enable.idempotence"));
        assertEquals("100", producer.getProperty("reconnect.backoff.ms"), "defaults kept");

        Properties consumer = config.consumerProperties("g1");
        assertEquals("read_committed", consumer.getProperty("isolation.level"));
        assertEquals("g1", consumer.getProperty("group.id"));
        assertFalse(consumer.containsKey("acks"));

        String described = config.describe();
        assertFalse(described.contains("s3cr3t"), described);
        assertFalse(described.contains("changeit"), described);
        assertFalse(described.contains("trainer"), described);
        assertTrue(described.contains("sasl.jaas.config=*****"), described);
        assertTrue(described.contains("security.protocol=SASL_SSL"), described);
    }

    @Test
    void missingSecretsNameTheFileAndTheProperty(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "sasl.jaas.config=x password=\"${env:NOT_SET_ANYWHERE}\"\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KafkaClientConfig.load(file, name -> null));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("sasl.jaas.config")
                && e.getMessage().contains("NOT_SET_ANYWHERE"), e.getMessage());

        Files.writeString(file, "ssl.key.password=${file:no-such-file}\n");
        e = assertThrows(IllegalArgumentException.class, () -> KafkaClientConfig.load(file, name -> null));
        assertTrue(e.getMessage().contains("ssl.key.password") && e.getMessage().contains("no-such-file"),
                e.getMessage());
    }

    @Test
    void secretKeysAreRecognised() {
        assertTrue(KafkaClientConfig.isSecret("ssl.keystore.password"));
        assertTrue(KafkaClientConfig.isSecret("sasl.jaas.config"));
        assertTrue(KafkaClientConfig.isSecret("ssl.key.password"));
        assertTrue(KafkaClientConfig.isSecret("basic.auth.user.secret"));
        assertFalse(KafkaClientConfig.isSecret("key.serializer"));
        assertFalse(KafkaClientConfig.isSecret("security.protocol"));
    }
}
