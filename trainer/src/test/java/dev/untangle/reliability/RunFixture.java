package dev.untangle.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import dev.untangle.cli.Main;
import dev.untangle.tokenizer.SharedData;
import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Shared pieces of the reliability and integration tests: a small synthetic preference file, the CLI
 * run in-process with its output captured, a tiny SFT model to start preference training from, and
 * the step events read back from a run's events.jsonl.
 *
 * <p>Everything is sized for CI on 2 cores: the tiny preset (d=32, 2 layers), a 300-token BPE
 * vocabulary, sequences of at most 64 tokens, batches of 4 pairs.
 */
public final class RunFixture {
    public static final String VOCAB = "300";
    public static final String MAX_LENGTH = "64";
    private static final String[] WORDS = {"the", "cat", "sat", "on", "a", "mat", "dog", "ran", "to", "park",
        "sun", "is", "warm", "we", "eat", "rice", "tea", "cold", "red", "box"};

    private RunFixture() {
    }

    /** The captured result of one in-process CLI invocation. */
    public record Cli(int exitCode, String out, String err) {
    }

    /**
     * Writes {@code n} prompt/chosen/rejected pairs of short random sentences. With {@code sharedSuffix}
     * true both responses end in the same long tail and the rejected response is longer (2 vs 8 random
     * words): the shape that makes DPO pull the chosen response down (shared tokens give near-identical
     * gradients and the longer rejected gradient dominates, ip &gt; ||G_w||^2: both_down, DESIGN.md section 1).
     */
    public static Path writePairs(Path file, int n, long seed, boolean sharedSuffix) throws IOException {
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder();
        String tail = " and then we all went home to eat rice and drink warm tea";
        for (int i = 0; i < n; i++) {
            String prompt = "Q" + i + ": " + sentence(random, 3) + "?";
            String chosen = " " + sentence(random, sharedSuffix ? 2 : 3) + (sharedSuffix ? tail : "");
            String rejected = " " + sentence(random, sharedSuffix ? 8 : 3) + (sharedSuffix ? tail : "");
            text.append(Json.MAPPER.writeValueAsString(java.util.Map.of("prompt", prompt, "chosen", chosen,
                    "rejected", rejected))).append('\n');
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
        return file;
    }

    private static String sentence(Random random, int words) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < words; i++) {
            s.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return s.toString();
    }

    /** Runs {@code untangle args...} in this JVM with stdout and stderr captured (and echoed on failure). */
    public static synchronized Cli cli(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            code = Main.execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Cli result = new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        if (code != 0) {
            oldErr.println("untangle " + String.join(" ", args) + " -> exit " + code + "\n" + result.out() + result.err());
        }
        return result;
    }

    /** Options every tiny run shares: tokenizer, vocabulary, length, and a fixed split and seed. */
    public static List<String> common(Path data) {
        return List.of("--data", data.toString(), "--tokenizer", SharedData.gpt2TokenizerDir().toString(),
                "--vocab-size", VOCAB, "--max-length", MAX_LENGTH, "--held-out", "0.1", "--seed", "7");
    }

    /** A tiny SFT model trained for 3 steps on {@code data}: the init and reference of preference runs. */
    public static Path tinySft(Path data, Path out) {
        List<String> args = new ArrayList<>(List.of("sft", "--model", "tiny", "--out", out.toString(), "--steps", "3",
                "--batch", "4", "--lr", "1e-2", "--checkpoint-every", "0"));
        args.addAll(common(data));
        Cli r = cli(args.toArray(String[]::new));
        if (r.exitCode() != 0) {
            throw new AssertionError("tiny SFT failed: " + r.err());
        }
        return out;
    }

    /** Arguments of `train` for a tiny preference run (probe on every step, no evals); add more after. */
    public static List<String> train(Path data, Path init, Path out, int steps) {
        List<String> args = new ArrayList<>(List.of("train", "--init", init.toString(), "--out", out.toString(),
                "--steps", Integer.toString(steps), "--batch", "4", "--eval-every", "0", "--checkpoint-every", "2",
                "--run-id", "rel"));
        args.addAll(common(data));
        return args;
    }

    /**
     * The alerts the monitor's policy evaluator (the code inside the Kafka Streams topology, bundled
     * default policy) raises for these step events in order. The Kafka path itself is exercised by
     * SigkillResumeTest and KafkaPipelineTest; here the verdict costs no broker.
     */
    public static List<dev.untangle.wire.Alert> policyAlerts(List<StepEvent> events) {
        dev.untangle.policy.PolicyEvaluator evaluator = new dev.untangle.policy.PolicyEvaluator(
                dev.untangle.policy.PolicyConfig.bundled());
        dev.untangle.policy.RunState state = new dev.untangle.policy.RunState();
        List<dev.untangle.wire.Alert> alerts = new ArrayList<>();
        for (StepEvent e : events) {
            alerts.addAll(evaluator.onStep(state, e).alerts());
        }
        return alerts;
    }

    /** Step events of an events.jsonl in file order (eval and ack lines skipped). */
    public static List<StepEvent> steps(Path events) throws IOException {
        List<StepEvent> out = new ArrayList<>();
        for (String line : Files.readAllLines(events, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode node = Json.MAPPER.readTree(line);
            if (StepEvent.SCHEMA.equals(node.path("schema").asText())) {
                out.add(Json.MAPPER.treeToValue(node, StepEvent.class));
            }
        }
        return out;
    }
}
