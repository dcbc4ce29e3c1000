package dev.untangle.probe;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.untangle.data.BadRecordPolicy;
import dev.untangle.data.EncodedPair;
import dev.untangle.data.PairEncoder;
import dev.untangle.data.PreferenceReader;
import dev.untangle.loop.Batches;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import dev.untangle.tokenizer.Gpt2Tokenizer;
import dev.untangle.tokenizer.SharedData;
import dev.untangle.tokenmap.HeadInnerProduct;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Seconds per call of Extras#headInnerProduct on the default shape (preset small, vocab 4096, B=8 pairs of
 * HH harmless-test encoded at max length 256, as the train command batches them), and of each of the two
 * forms on the same rows, to check that the multiply-add rule picks the faster one. Off by default; run with
 * -Duntangle.bench=true (-Duntangle.bench.calls=10). Medians: this VM has sporadic outlier calls.
 */
class HeadInnerProductBenchmark {

    @Test
    void defaultShape() throws Exception {
        assumeTrue(Boolean.getBoolean("untangle.bench"), "benchmark: set -Duntangle.bench=true");
        int calls = Integer.getInteger("untangle.bench.calls", 10);
        int batch = 8;
        try (NDManager root = NDManager.newBaseManager();
             Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(SharedData.gpt2TokenizerDir(), 4096)) {
            List<EncodedPair> pairs = new PairEncoder(tokenizer, 256).encodeAll(new PreferenceReader(BadRecordPolicy.SKIP)
                    .read(SharedData.dataDir().resolve("hh-rlhf").resolve("harmless-base-test.jsonl.gz")).pairs());
            Gpt model = new Gpt(GptConfig.preset("small", tokenizer.vocabSize()));
            model.initialize(root, 1);
            ParameterStore ps = new ParameterStore(root, false);
            double[] weights = new double[batch];
            Arrays.fill(weights, 1.0 / batch);
            double[] closed = new double[calls];
            double[] viaHead = new double[calls];
            double[] viaGram = new double[calls];
            double[] forwards = new double[calls];
            JniUtils.setGradMode(false);
            for (int call = -2; call < calls; call++) {
                try (NDManager step = root.newSubManager()) {
                    List<EncodedPair> group = pairs.subList((call + 2) * batch, (call + 3) * batch);
                    TokenBatch cb = Batches.chosen(group, tokenizer.endOfTextId(), step);
                    TokenBatch rb = Batches.rejected(group, tokenizer.endOfTextId(), step);
                    long forwardStart = System.nanoTime();
                    Scorer.Scored c = Scorer.score(model, ps, cb, false);
                    Scorer.Scored r = Scorer.score(model, ps, rb, false);
                    c.sums().getFloat(0);
                    r.sums().getFloat(0);
                    long t0 = System.nanoTime();
                    double value = Extras.headInnerProduct(c, r, cb, rb, weights, weights);
                    long t1 = System.nanoTime();
                    HeadInnerProduct.Rows w = HeadInnerProduct.rows(c.logits(), c.hidden(), cb.targets(), cb.mask(), weights, step);
                    HeadInnerProduct.Rows l = HeadInnerProduct.rows(r.logits(), r.hidden(), rb.targets(), rb.mask(), weights, step);
                    long t2 = System.nanoTime();
                    double head = HeadInnerProduct.viaHeadGradients(w, l);
                    long t3 = System.nanoTime();
                    double gram = HeadInnerProduct.viaGram(w, l);
                    long t4 = System.nanoTime();
                    boolean gramChosen = HeadInnerProduct.gramIsCheaper(w.count(), l.count(), 4096, 128);
                    System.out.printf("call %d: T chosen %d rejected %d, scored rows %d / %d, form %s, value %.6g"
                                    + " (head %.6g gram %.6g); seconds: method %.4f, rows %.4f, head-gradient form %.4f,"
                                    + " Gram form %.4f; the two no-grad forwards %.4f%n", call, cb.inputIds().getShape().get(1),
                            rb.inputIds().getShape().get(1), w.count(), l.count(), gramChosen ? "gram" : "head",
                            value, head, gram, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t4 - t3) / 1e9,
                            (t0 - forwardStart) / 1e9);
                    if (call >= 0) {
                        closed[call] = (t1 - t0) / 1e9;
                        viaHead[call] = (t3 - t2) / 1e9;
                        viaGram[call] = (t4 - t3) / 1e9;
                        forwards[call] = (t0 - forwardStart) / 1e9;
                    }
                }
            }
            JniUtils.setGradMode(true);
            System.out.printf("median seconds over %d calls: method %.4f; head-gradient form %.4f; Gram form %.4f"
                    + " (forms without building the rows); for scale, the two no-grad forwards %.4f%n", calls,
                    median(closed), median(viaHead), median(viaGram), median(forwards));
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
