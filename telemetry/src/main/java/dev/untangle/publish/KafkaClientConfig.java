package dev.untangle.publish;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Standard Kafka client properties for the trainer's producer and consumer: our defaults, with a
 * properties file (any Kafka client key, e.g. security.protocol=SASL_SSL, sasl.jaas.config=...) merged
 * over them. Secrets stay out of the file through placeholders resolved at load time:
 * {@code ${env:NAME}} (an environment variable) and {@code ${file:path}} (the trimmed content of a file;
 * a relative path is relative to the properties file). {@link #describe()} masks every value whose key
 * contains password, secret, jaas or key (serializer class names excepted), so the config can be logged.
 */
public final class KafkaClientConfig {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(env|file):([^}]+)}");

    private final Properties common;

    private KafkaClientConfig(Properties common) {
        this.common = common;
    }

    /** Defaults only, talking to {@code bootstrapServers} over PLAINTEXT. */
    public static KafkaClientConfig of(String bootstrapServers) {
        Properties p = new Properties();
        p.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.setProperty(CommonClientConfigs.CLIENT_DNS_LOOKUP_CONFIG, "use_all_dns_ips");
        // Reconnect quickly after a broker restart (the embedded broker comes back in 1-3 s).
        p.setProperty(CommonClientConfigs.RECONNECT_BACKOFF_MS_CONFIG, "100");
        p.setProperty(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        p.setProperty(CommonClientConfigs.RETRY_BACKOFF_MS_CONFIG, "100");
        p.setProperty(CommonClientConfigs.RETRY_BACKOFF_MAX_MS_CONFIG, "1000");
        return new KafkaClientConfig(p);
    }

    /** Loads {@code file} over the defaults, resolving placeholders from the process environment. */
    public static KafkaClientConfig load(Path file) {
        return load(file, System::getenv);
    }

    /** As {@link #load(Path)} with an explicit environment (tests). */
    public static KafkaClientConfig load(Path file, Function<String, String> environment) {
        Properties fromFile = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            fromFile.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Kafka client properties " + file, e);
        }
        Properties merged = of("127.0.0.1:9092").common;
        Path baseDir = file.toAbsolutePath().getParent();
        for (String key : fromFile.stringPropertyNames()) {
            merged.setProperty(key, resolve(file, key, fromFile.getProperty(key), baseDir, environment));
        }
        return new KafkaClientConfig(merged);
    }

    private static String resolve(Path file, String key, String value, Path baseDir, Function<String, String> env) {
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group(1).equals("env")) {
                replacement = env.apply(m.group(2));
                if (replacement == null) {
                    throw new IllegalArgumentException(file + ": property " + key + " refers to environment variable "
                            + m.group(2) + ", which is not set");
                }
            } else {
                Path secretFile = baseDir.resolve(m.group(2));
                try {
                    replacement = Files.readString(secretFile, StandardCharsets.UTF_8).trim();
                } catch (IOException e) {
                    throw new IllegalArgumentException(file + ": property " + key + " refers to file " + secretFile
                            + ", which cannot be read (" + e.getClass().getSimpleName() + ")");
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** A copy with another bootstrap address (e.g. the embedded broker's). */
    public KafkaClientConfig withBootstrapServers(String bootstrapServers) {
        Properties copy = copy();
        copy.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return new KafkaClientConfig(copy);
    }

    public String bootstrapServers() {
        return common.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
    }

    /**
     * Producer properties for the telemetry publisher. Idempotence and acks=all are forced whatever the
     * file says: they are what makes a retried send land exactly once and in order.
     */
    public Properties producerProperties() {
        Properties p = copy();
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        // The publisher's own thread calls send(); it may block this long when metadata is missing.
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000");
        // Records handed to the producer are retried until they land or close() aborts them; the
        // publisher stops handing new ones over once the oldest stalls (they go to the spool instead).
        p.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(Integer.MAX_VALUE));
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return p;
    }

    /** Consumer properties (read_committed, manual commits) for the control listener. */
    public Properties consumerProperties(String groupId) {
        Properties p = copy();
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        for (String producerOnly : new String[] {ProducerConfig.ACKS_CONFIG, ProducerConfig.LINGER_MS_CONFIG,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, ProducerConfig.COMPRESSION_TYPE_CONFIG}) {
            p.remove(producerOnly);
        }
        return p;
    }

    /** Every key with secret-looking values masked, sorted; safe to log. */
    public String describe() {
        Map<String, String> shown = new TreeMap<>();
        for (String key : common.stringPropertyNames()) {
            shown.put(key, isSecret(key) ? "*****" : common.getProperty(key));
        }
        return shown.toString();
    }

    static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        if (k.endsWith(".serializer") || k.endsWith(".deserializer")) {
            return false;
        }
        return k.contains("password") || k.contains("secret") || k.contains("jaas") || k.contains("key");
    }

    @Override
    public String toString() {
        return "KafkaClientConfig" + describe();
    }

    private Properties copy() {
        Properties p = new Properties();
        p.putAll(common);
        return p;
    }
}
