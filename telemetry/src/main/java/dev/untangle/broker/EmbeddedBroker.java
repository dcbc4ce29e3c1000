package dev.untangle.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node KRaft Kafka broker (broker and controller in one process) running inside this
 * JVM, so the whole pipeline of DESIGN.md section 2 runs from one command with no external broker
 * ("embedded default"). Recipe and measured behaviour: shared/notes/infra.md, Kafka.
 *
 * <p>Every internal topic has replication factor and min.isr 1 (without
 * offsets.topic.replication.factor=1 consumer groups never receive anything). {@link #stop()} takes the
 * broker down and keeps its data; {@link #restart()} brings it back on the same ports and log directory,
 * so clients reconnect on their own. {@link #close()} stops it and deletes a directory this class created.
 */
public final class EmbeddedBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
    /** Kept in the log directory so that a later start on the same directory reuses the same ports. */
    private static final String SETTINGS_FILE = "untangle-broker.properties";
    public static final int DEFAULT_PARTITIONS = 3;

    private final Path logDir;
    private final boolean ownsLogDir;
    private final Properties serverProperties;
    private final String bootstrapServers;
    private final Thread shutdownHook;
    private KafkaRaftServer server;

    private EmbeddedBroker(Path logDir, boolean ownsLogDir, Properties serverProperties) {
        this.logDir = logDir;
        this.ownsLogDir = ownsLogDir;
        this.serverProperties = serverProperties;
        this.bootstrapServers = "127.0.0.1:" + serverProperties.getProperty("untangle.broker.port");
        this.shutdownHook = new Thread(this::closeQuietly, "embedded-broker-shutdown");
    }

    /** A broker on a free port with its data in a fresh temporary directory deleted by {@link #close()}. */
    public static EmbeddedBroker start() {
        try {
            Path dir = Files.createTempDirectory("untangle-kafka-");
            return start(dir, 0, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the embedded broker", e);
        }
    }

    /**
     * A broker whose data lives in {@code logDir} (kept by {@link #close()}) and whose client listener is
     * on {@code port} (0 = any free port). A directory formatted by an earlier start is reused as it is,
     * with the ports it was formatted with, so events survive a process restart.
     */
    public static EmbeddedBroker start(Path logDir, int port) {
        return start(logDir, port, false);
    }

    private static EmbeddedBroker start(Path logDir, int port, boolean ownsLogDir) {
        try {
            Files.createDirectories(logDir);
            Properties props = settingsFor(logDir, port);
            EmbeddedBroker broker = new EmbeddedBroker(logDir, ownsLogDir, props);
            Runtime.getRuntime().addShutdownHook(broker.shutdownHook);
            broker.startServer();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the embedded broker in " + logDir, e);
        }
    }

    /** Loads the ports of an already formatted directory, or picks them and formats the directory. */
    private static Properties settingsFor(Path logDir, int requestedPort) throws IOException {
        Path settingsFile = logDir.resolve(SETTINGS_FILE);
        Path dataDir = logDir.resolve("data");
        if (Files.exists(settingsFile)) {
            Properties saved = new Properties();
            try (InputStream in = Files.newInputStream(settingsFile)) {
                saved.load(in);
            }
            int savedPort = Integer.parseInt(saved.getProperty("untangle.broker.port"));
            if (requestedPort != 0 && requestedPort != savedPort) {
                throw new IllegalArgumentException(logDir + " was formatted for port " + savedPort
                        + " but port " + requestedPort + " was requested");
            }
            return serverProperties(dataDir, savedPort, Integer.parseInt(saved.getProperty("untangle.controller.port")));
        }
        int port = requestedPort != 0 ? requestedPort : freePort();
        int controllerPort = freePort();
        Properties props = serverProperties(dataDir, port, controllerPort);
        format(props, logDir);
        Properties saved = new Properties();
        saved.setProperty("untangle.broker.port", Integer.toString(port));
        saved.setProperty("untangle.controller.port", Integer.toString(controllerPort));
        try (OutputStream out = Files.newOutputStream(settingsFile)) {
            saved.store(out, "ports of the embedded broker formatted in this directory");
        }
        return props;
    }

    private static Properties serverProperties(Path dataDir, int port, int controllerPort) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", dataDir.toAbsolutePath().toString());
        p.setProperty("num.partitions", Integer.toString(DEFAULT_PARTITIONS));
        // One node: every internal topic must fit on it (infra.md: without these, groups never receive).
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "3");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "3");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("default.replication.factor", "1");
        p.setProperty("min.insync.replicas", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // A crashed client's session ends in 3 s, not 9 s (infra.md: fast Streams recovery).
        p.setProperty("broker.session.timeout.ms", "3000");
        p.setProperty("broker.heartbeat.interval.ms", "500");
        p.setProperty("auto.create.topics.enable", "true");
        p.setProperty("untangle.broker.port", Integer.toString(port));
        return p;
    }

    private static void format(Properties props, Path logDir) throws IOException {
        Path configFile = logDir.resolve("server.properties");
        Properties forFile = new Properties();
        forFile.putAll(props);
        forFile.remove("untangle.broker.port");
        try (OutputStream out = Files.newOutputStream(configFile)) {
            forFile.store(out, "embedded untangle broker");
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
        int rc = StorageTool.execute(new String[] {"format", "--config", configFile.toString(),
                "--cluster-id", clusterId, "--standalone"}, new PrintStream(output, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IllegalStateException("kafka storage format failed (rc " + rc + "): "
                    + output.toString(StandardCharsets.UTF_8));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    private synchronized void startServer() {
        if (server != null) {
            return;
        }
        Properties forKafka = new Properties();
        forKafka.putAll(serverProperties);
        forKafka.remove("untangle.broker.port");
        long startNanos = System.nanoTime();
        KafkaRaftServer raftServer = new KafkaRaftServer(KafkaConfig.fromProps(forKafka, false), Time.SYSTEM);
        raftServer.startup();
        server = raftServer;
        awaitReady();
        LOG.info("embedded Kafka broker up at {} in {} ms (data in {})", bootstrapServers,
                (System.nanoTime() - startNanos) / 1_000_000, logDir);
    }

    /** Waits until the broker answers a metadata request, so callers can use it at once. */
    private void awaitReady() {
        try (Admin admin = admin()) {
            admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("embedded broker at " + bootstrapServers + " did not become ready", e);
        }
    }

    private Admin admin() {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return Admin.create(p);
    }

    /** host:port of the PLAINTEXT listener, e.g. 127.0.0.1:40123; stable across {@link #restart()}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path logDir() {
        return logDir;
    }

    /** Creates each topic with {@link #DEFAULT_PARTITIONS} partitions; an existing topic is left alone. */
    public void createTopics(String... names) {
        createTopics(DEFAULT_PARTITIONS, names);
    }

    /** Creates each topic with the given partition count (replication 1); an existing topic is left alone. */
    public void createTopics(int partitions, String... names) {
        List<NewTopic> topics = new ArrayList<>();
        for (String name : names) {
            topics.add(new NewTopic(name, partitions, (short) 1));
        }
        try (Admin admin = admin()) {
            for (var entry : admin.createTopics(topics).values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("creating topics timed out on " + bootstrapServers, e);
        }
    }

    /** Whether the broker is currently running. */
    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Takes the broker down; its data stays on disk for {@link #restart()}. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
        LOG.info("embedded Kafka broker at {} stopped (data kept in {})", bootstrapServers, logDir);
    }

    /** Brings a stopped broker back on the same ports and data; a running one is stopped first. */
    public synchronized void restart() {
        stop();
        startServer();
    }

    /** Stops the broker and, when this class created the directory, deletes it. */
    @Override
    public void close() {
        closeQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook itself is running or about to: nothing left to do
        }
    }

    private synchronized void closeQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            LOG.warn("embedded broker did not stop cleanly: {}", e.toString());
        }
        if (ownsLogDir && Files.exists(logDir)) {
            try (Stream<Path> paths = Files.walk(logDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                LOG.warn("cannot delete {}: {}", logDir, e.toString());
            }
        }
    }
}
