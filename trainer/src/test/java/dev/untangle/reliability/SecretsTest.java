package dev.untangle.reliability;

import dev.untangle.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6, secrets: `untangle run` as a child JVM (so a real environment variable can carry the SASL
 * password, and with INFO logging so Kafka's own config dumps are included) with an HMAC key file and
 * a Kafka client properties file whose password is ${env:...}. Neither secret may appear in anything
 * the run writes: stdout/stderr (all logs), events, alerts, reports, the run folder, or the /metrics
 * scrape taken while the run is live.
 */
class SecretsTest {
    private static final String HMAC_KEY = "hmac-key-9f3b1c7e5a20d4";
    private static final String SASL_PASSWORD = "sasl-pw-4e8a0b6c2d91f7";

    @TempDir
    Path dir;

    @Test
    void hmacKeyAndSaslPasswordNeverAppearInLogsEventsFilesOrMetrics() throws Exception {
        Path data = RunFixture.writePairs(dir.resolve("pairs.jsonl"), 40, 31, false);
        Path init = RunFixture.tinySft(data, dir.resolve("sft"));
        Path keyFile = Files.writeString(dir.resolve("control.key"), HMAC_KEY + "\n");
        // PLAINTEXT to the embedded broker: the JAAS line is parsed and resolved but not used for auth
        Path kafkaConfig = Files.writeString(dir.resolve("kafka.properties"), String.join("\n",
                "sasl.mechanism=PLAIN",
                "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"trainer\" password=\"${env:UNTANGLE_TEST_SASL_PASSWORD}\";", ""));
        Path out = dir.resolve("run");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--init", init.toString(), "--out", out.toString(), "--run-id", "secret-run",
                "--control-key-file", keyFile.toString(), "--kafka-config", kafkaConfig.toString(),
                "--steps", "60", "--batch", "4", "--eval-every", "0", "--checkpoint-every", "50",
                "--metrics-port", "0", "--verbose"));
        command.addAll(RunFixture.common(data));
        Path log = dir.resolve("child.log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("UNTANGLE_TEST_SASL_PASSWORD", SASL_PASSWORD);
        Process child = builder.start();

        String scrape = null;
        Pattern url = Pattern.compile("metrics: (http://\\S+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (child.isAlive() && System.nanoTime() < deadline) {
            Matcher m = url.matcher(Files.readString(log));
            Path events = out.resolve("events.jsonl");
            if (scrape == null && m.find() && Files.exists(events) && RunFixture.steps(events).size() >= 5) {
                scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(m.group(1))).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            }
            Thread.sleep(100);
        }
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "run did not finish");
        String output = Files.readString(log);
        assertEquals(0, child.exitValue(), output);
        System.out.println("secrets: child run " + output.lines().filter(l -> l.startsWith("wall time")).findFirst().orElse("?"));
        assertTrue(scrape != null && scrape.contains("untangle_"), "a live /metrics scrape was taken: " + scrape);
        // the properties file was read and its placeholder resolved: Kafka's INFO config dump shows the JAAS key
        assertTrue(output.contains("sasl.jaas.config"), "Kafka's config dump is in the captured log");

        for (String secret : List.of(HMAC_KEY, SASL_PASSWORD)) {
            assertFalse(output.contains(secret), "secret in stdout/stderr");
            assertFalse(scrape.contains(secret), "secret in /metrics");
            try (Stream<Path> files = Files.walk(out)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String name = f.getFileName().toString();
                    if (name.endsWith(".safetensors") || name.endsWith(".png")) {
                        continue; // binary tensors and charts cannot hold a string we wrote
                    }
                    assertFalse(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1).contains(secret),
                            "secret in " + f);
                }
            }
        }
    }
}
