package dev.untangle.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedBrokerTest {

    @Test
    void roundTripSurvivesStopAndRestartOnTheSamePort() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start()) {
            String address = broker.bootstrapServers();
            broker.createTopics("t.roundtrip");
            produce(broker, "t.roundtrip", "a", "b", "c");
            assertEquals(List.of("a", "b", "c"), consumeAll(broker, "t.roundtrip", 3));

            broker.stop();
            broker.restart();
            assertEquals(address, broker.bootstrapServers());
            // old data is still there and new writes land after it
            produce(broker, "t.roundtrip", "d");
            assertEquals(List.of("a", "b", "c", "d"), consumeAll(broker, "t.roundtrip", 4));
        }
    }

    private static void produce(EmbeddedBroker broker, String topic, String... values) throws Exception {
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (String value : values) {
                // one key: one partition, so the order is kept
                producer.send(new ProducerRecord<>(topic, "run", value)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static List<String> consumeAll(EmbeddedBroker broker, String topic, int expected) {
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "g-" + System.nanoTime());
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }
}
