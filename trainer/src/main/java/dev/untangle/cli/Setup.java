package dev.untangle.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.untangle.checkpoint.CheckpointStore;
import dev.untangle.data.BadRecordPolicy;
import dev.untangle.data.DataOrder;
import dev.untangle.data.EncodedPair;
import dev.untangle.data.PairEncoder;
import dev.untangle.data.PreferenceData;
import dev.untangle.data.PreferencePair;
import dev.untangle.data.PreferenceReader;
import dev.untangle.tokenizer.Gpt2Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Small shared steps of the commands: device, tokenizer, model folders, reading and encoding pairs. */
final class Setup {
    private Setup() {
    }

    /** "auto" takes the engine's default (a GPU when present), else "cpu", "gpu" or "gpu:N". */
    static Device device(String flag) {
        if (flag == null || flag.equals("auto")) {
            return Engine.getInstance().defaultDevice();
        }
        Device d = Device.fromName(flag);
        if (d.isGpu() && d.getDeviceId() >= Engine.getInstance().getGpuCount()) {
            throw new IllegalArgumentException("--device " + flag + ": this machine has "
                    + Engine.getInstance().getGpuCount() + " GPU(s)");
        }
        return d;
    }

    /**
     * A model folder: one holding config.json, or a run/checkpoint root whose latest complete checkpoint
     * is taken (root/latest or root/checkpoints/latest).
     */
    static Path modelDir(Path given) throws IOException {
        if (Files.exists(given.resolve("config.json"))) {
            return given;
        }
        for (Path root : List.of(given, given.resolve("checkpoints"))) {
            if (Files.exists(root.resolve("latest"))) {
                return new CheckpointStore(root, 1).latest().orElseThrow();
            }
        }
        throw new IOException(given + ": not a model folder (no config.json) and no checkpoints/latest inside");
    }

    /** The tokenizer saved with a model when there is one, else the GPT-2 files (or tokenizer.json) given. */
    static Gpt2Tokenizer tokenizer(Path modelDir, Path tokenizerPath, int vocabSize) throws IOException {
        if (modelDir != null && Files.exists(modelDir.resolve(Gpt2Tokenizer.TOKENIZER_FILE))) {
            return Gpt2Tokenizer.fromTokenizerJson(modelDir.resolve(Gpt2Tokenizer.TOKENIZER_FILE));
        }
        if (!Files.exists(tokenizerPath)) {
            throw new IOException("--tokenizer " + tokenizerPath + ": not found (a folder with encoder.json and "
                    + "vocab.bpe, or a tokenizer.json)");
        }
        return Gpt2Tokenizer.load(tokenizerPath, vocabSize);
    }

    record Pairs(List<EncodedPair> train, List<EncodedPair> heldOut) {
    }

    /** Reads, reports and encodes preference pairs, split into train and held-out by a stable hash. */
    static Pairs pairs(Path data, BadRecordPolicy policy, Gpt2Tokenizer tokenizer, int maxLength, double heldOut,
                       long seed, PrintStream out) {
        PreferenceData read = new PreferenceReader(policy).read(data);
        DataOrder.Split<PreferencePair> split = DataOrder.splitPairs(read.pairs(), heldOut, seed);
        PairEncoder encoder = new PairEncoder(tokenizer, maxLength);
        List<EncodedPair> train = encoder.encodeAll(split.train());
        List<EncodedPair> held = encoder.encodeAll(split.heldOut());
        out.println("data: " + read.stats().withTruncated(encoder.truncatedPairs()).summary() + "; "
                + train.size() + " train / " + held.size() + " held out (max length " + maxLength + " tokens)");
        return new Pairs(train, held);
    }
}
