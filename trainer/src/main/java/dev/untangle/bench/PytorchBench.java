package dev.untangle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.untangle.data.EncodedPair;
import dev.untangle.data.SequenceBatch;
import dev.untangle.loop.Batches;
import dev.untangle.model.GptConfig;
import dev.untangle.wire.Json;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * untangle's plain DPO step against the same step in PyTorch eager (bench/pytorch_dpo_step.py run by
 * bench/run-pytorch.sh with Debian's python3-torch), same model shape, same batches (exported to JSON),
 * same thread count, in one run: blocks of Java steps and blocks of Python steps alternate, so both see
 * the same load on the shared machine. Each Python block is a fresh process with its own warm-up.
 */
final class PytorchBench {
    private PytorchBench() {
    }

    record Result(double javaSeconds, double pythonSeconds, String torchVersion, int threads) {
        double speedRatio() {
            return pythonSeconds / javaSeconds; // steps/s of untangle over steps/s of PyTorch
        }
    }

    static Result run(BenchFixture fixture, BenchFixture.Shape shape, List<EncodedPair> pairs, int padId, double lr,
                      double beta, Path script, int blocks, int steps, int warmup, int threads, PrintStream out)
            throws IOException, InterruptedException {
        Path batches = Files.createTempFile("untangle-bench-batches", ".json");
        try {
            Files.writeString(batches, exportBatches(shape, pairs, padId, lr, beta, steps), StandardCharsets.UTF_8);
            List<Double> javaTimes = new ArrayList<>();
            List<Double> pythonMedians = new ArrayList<>();
            String torch = "?";
            int pythonThreads = -1;
            for (int i = 0; i < warmup; i++) {
                fixture.step(i, false);
            }
            for (int block = 0; block < blocks; block++) {
                List<Double> javaBlock = new ArrayList<>();
                for (int i = 0; i < steps; i++) {
                    javaBlock.add(fixture.step(i, false).seconds());
                }
                javaTimes.addAll(javaBlock);
                JsonNode python = runPython(script, batches, steps, warmup, threads);
                pythonMedians.add(python.get("median_seconds").asDouble());
                torch = python.get("torch").asText() + ", BLAS " + python.path("blas").asText();
                pythonThreads = python.get("threads").asInt();
                out.printf("  block %d: untangle median %.1f ms, pytorch median %.1f ms%n", block + 1,
                        1e3 * Stats.median(javaBlock), 1e3 * python.get("median_seconds").asDouble());
            }
            return new Result(Stats.median(javaTimes), Stats.median(pythonMedians), torch, pythonThreads);
        } finally {
            Files.deleteIfExists(batches);
        }
    }

    private static JsonNode runPython(Path script, Path batches, int steps, int warmup, int threads)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "--batches", batches.toString(),
                "--steps", Integer.toString(steps), "--warmup", Integer.toString(warmup),
                "--threads", Integer.toString(threads));
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process process = pb.start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        int code = process.waitFor();
        String last = stdout.isEmpty() ? "" : stdout.substring(stdout.lastIndexOf('\n') + 1);
        if (code != 0 || !last.startsWith("{")) {
            throw new IOException(script + " exited with " + code + "; output: " + stdout);
        }
        return Json.MAPPER.readTree(last);
    }

    /** The batches the Java side trains on, as the Python script reads them. */
    private static String exportBatches(BenchFixture.Shape shape, List<EncodedPair> pairs, int padId, double lr,
                                        double beta, int count) {
        GptConfig c = shape.config();
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("config", Map.of("vocab_size", c.vocabSize(), "context_length",
                Math.max(c.contextLength(), shape.maxLength()), "width", c.width(), "layers", c.layers(),
                "heads", c.heads()));
        spec.put("lr", lr);
        spec.put("beta", beta);
        List<Object> batches = new ArrayList<>();
        for (int index = 0; index < count; index++) {
            List<EncodedPair> batch = new ArrayList<>();
            for (int i = 0; i < shape.batchSize(); i++) {
                batch.add(pairs.get((index * shape.batchSize() + i) % pairs.size()));
            }
            batches.add(Map.of("chosen", side(SequenceBatch.chosen(batch, padId, Batches.LENGTH_MULTIPLE)),
                    "rejected", side(SequenceBatch.rejected(batch, padId, Batches.LENGTH_MULTIPLE))));
        }
        spec.put("batches", batches);
        return Json.write(spec);
    }

    private static Map<String, Object> side(SequenceBatch b) {
        return Map.of("batch", b.batch(), "length", b.length(), "input_ids", b.inputIds(), "targets", b.targets(),
                "mask", b.preferenceMask());
    }
}
