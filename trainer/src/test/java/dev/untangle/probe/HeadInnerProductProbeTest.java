package dev.untangle.probe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.untangle.loop.GradientAlgebra;
import dev.untangle.loop.Gradients;
import dev.untangle.loop.Optimizer;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.loss.LossConfig;
import dev.untangle.loss.LossOutput;
import dev.untangle.loss.Losses;
import dev.untangle.loss.PairLogProbs;
import dev.untangle.loss.PreferenceLoss;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import dev.untangle.model.TokenLogProbs;
import dev.untangle.tokenmap.HeadInnerProduct;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The probe's head_inner_product (Extras#headInnerProduct, DESIGN.md section 1 "Why the inner product is
 * large") against autograd on tiny float64 models: exact for an untied head (lm_head.weight), and for a
 * tied head equal to the gradient of the head matmul alone (hidden states held fixed), which is not the
 * whole wte gradient. Weights include a zero (a pair whose rows drop out) and a negative one.
 */
class HeadInnerProductProbeTest {
    private static final int VOCAB = 48;
    private static final double[] CHOSEN_WEIGHTS = {0.3, 1.2, 0.0, -0.7};
    private static final double[] REJECTED_WEIGHTS = {0.5, 0.9, 2.0, 0.25};

    private static Gpt model(NDManager m, boolean tied) {
        Gpt model = new Gpt(GptConfig.preset("tiny", VOCAB).withTiedHead(tied));
        model.initialize(m, DataType.FLOAT64, 13);
        return model;
    }

    private static double dot(NDArray a, NDArray b) {
        return a.mul(b).sum().getDouble();
    }

    private static void assertRelative(double expected, double actual, double relative, String what) {
        assertEquals(expected, actual, relative * Math.abs(expected), what + ": expected " + expected + " got " + actual);
    }

    /** Untied head: the closed form equals <G_w[lm_head.weight], G_l[lm_head.weight]> to 1e-9, in both forms. */
    @Test
    void untiedHeadEqualsAutogradOfLmHead() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt model = model(m, false);
            ParameterStore ps = new ParameterStore(m, false);
            Gradients gradients = new Gradients(model);
            TokenBatch[] b = TinyBatches.pairs(m, 4, VOCAB, 21, 3);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                Scorer.Scored c = Scorer.score(model, ps, b[0], true);
                Scorer.Scored r = Scorer.score(model, ps, b[1], true);
                collector.backward(c.sums().mul(m.create(CHOSEN_WEIGHTS)).sum());
                Map<String, NDArray> gw = gradients.take(m);
                collector.backward(r.sums().mul(m.create(REJECTED_WEIGHTS)).sum());
                Map<String, NDArray> gl = gradients.take(m);
                double autograd = dot(gw.get("lm_head.weight"), gl.get("lm_head.weight"));
                assertTrue(Math.abs(autograd) > 1e-4, "a non-trivial inner product: " + autograd);

                double closed = Extras.headInnerProduct(c, r, b[0], b[1], CHOSEN_WEIGHTS, REJECTED_WEIGHTS);
                assertRelative(autograd, closed, 1e-9, "closed form");
                HeadInnerProduct.Rows w = HeadInnerProduct.rows(c.logits(), c.hidden(), b[0].targets(), b[0].mask(),
                        CHOSEN_WEIGHTS, m);
                HeadInnerProduct.Rows l = HeadInnerProduct.rows(r.logits(), r.hidden(), b[1].targets(), b[1].mask(),
                        REJECTED_WEIGHTS, m);
                assertEquals(b[0].mask().sum().getFloat() - b[0].mask().get(2).sum().getFloat(), (float) w.count(),
                        "scored chosen rows without pair 2 (weight 0)");
                assertRelative(autograd, HeadInnerProduct.viaHeadGradients(w, l), 1e-9, "head-gradient form");
                assertRelative(autograd, HeadInnerProduct.viaGram(w, l), 1e-9, "Gram form");
                // The head is one part of the whole inner product, not all of it.
                double whole = GradientAlgebra.dot(gw, gl);
                assertTrue(Math.abs(whole - closed) > 1e-3 * Math.abs(whole), "whole " + whole + " head " + closed);
            }
        }
    }

    /**
     * Tied head: the closed form is the head's contribution only. Autograd of the same thing: logits
     * recomputed as hidden (detached) times a detached copy of wte, differentiated with respect to that copy.
     */
    @Test
    void tiedHeadEqualsAutogradOfTheHeadMatmulOnly() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt model = model(m, true);
            ParameterStore ps = new ParameterStore(m, false);
            Gradients gradients = new Gradients(model);
            TokenBatch[] b = TinyBatches.pairs(m, 4, VOCAB, 22, 3);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                Scorer.Scored c = Scorer.score(model, ps, b[0], true);
                Scorer.Scored r = Scorer.score(model, ps, b[1], true);
                double closed = Extras.headInnerProduct(c, r, b[0], b[1], CHOSEN_WEIGHTS, REJECTED_WEIGHTS);
                NDArray headW = headOnlyGradient(model, c, b[0], CHOSEN_WEIGHTS, collector, m);
                NDArray headL = headOnlyGradient(model, r, b[1], REJECTED_WEIGHTS, collector, m);
                double autograd = dot(headW, headL);
                assertTrue(Math.abs(autograd) > 1e-4, "a non-trivial inner product: " + autograd);
                assertRelative(autograd, closed, 1e-9, "tied head, head matmul only");

                // The whole wte gradient also collects the embedding-lookup rows: a different number.
                collector.backward(c.sums().mul(m.create(CHOSEN_WEIGHTS)).sum());
                Map<String, NDArray> gw = gradients.take(m);
                collector.backward(r.sums().mul(m.create(REJECTED_WEIGHTS)).sum());
                Map<String, NDArray> gl = gradients.take(m);
                double wte = dot(gw.get("transformer.wte.weight"), gl.get("transformer.wte.weight"));
                assertTrue(Math.abs(wte - closed) > 1e-3 * Math.abs(wte), "whole wte " + wte + " head only " + closed);
            }
        }
    }

    /** d/dW' of sum_i w_i * sum_t mask*log softmax(h W'^T)[target] at W' = a detached copy of the head weight. */
    private static NDArray headOnlyGradient(Gpt model, Scorer.Scored scored, TokenBatch batch, double[] weights,
                                            GradientCollector collector, NDManager m) {
        NDArray head = model.headWeight().duplicate();
        head.attach(m);
        head.setRequiresGradient(true);
        NDArray logits = Linear.linear(scored.hidden().stopGradient(), head).head();
        assertEquals(0, logits.sub(scored.logits()).abs().max().getDouble(), 1e-12, "recomputed logits");
        NDArray sums = TokenLogProbs.sequenceSum(TokenLogProbs.of(logits, batch.targets()), batch.mask());
        collector.backward(sums.mul(m.create(weights)).sum());
        NDArray gradient = head.getGradient().duplicate();
        gradient.attach(m);
        return gradient;
    }

    /**
     * The cost rule with hand-computed multiply-adds: head gradients (n_w+n_l)*V*d + V*d + n_w*n_l*d against
     * Gram n_w*n_l*(V+d). For n rows a side this is Gram iff n^2 &lt; (2n+1)*d, whatever V.
     */
    @Test
    void formWithFewerMultiplyAddsIsChosen() {
        // n = 10 a side, V 48, d 32: head gradients 30,720 + 1,536 + 3,200 = 35,456; Gram 100*80 = 8,000.
        assertTrue(HeadInnerProduct.gramIsCheaper(10, 10, 48, 32));
        // ~700 response tokens a side, V 4096, d 128: 797,247,488 against 2,069,760,000.
        assertFalse(HeadInnerProduct.gramIsCheaper(700, 700, 4096, 128));
        // Break-even at d = 128: 256^2 = 65,536 < 513*128 = 65,664 (Gram); 257^2 = 66,049 > 515*128 = 65,920.
        assertTrue(HeadInnerProduct.gramIsCheaper(256, 256, 4096, 128));
        assertFalse(HeadInnerProduct.gramIsCheaper(257, 257, 4096, 128));
    }

    /**
     * Wired through a real probe step (untied, float64): StepOutcome.headInnerProduct equals the autograd
     * head inner product (on an identical model, before the step) with the step's own loss weights a_i, b_i,
     * recomputed here from the step's log-probs. NaN without extras or without a probe.
     */
    @Test
    void probeStepWithExtrasCarriesTheHeadInnerProduct() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt stepped = model(m, false);
            Gpt copy = model(m, false);
            PreferenceLoss loss = Losses.create("sigmoid", LossConfig.defaults());
            TokenBatch[] b = TinyBatches.pairs(m, 4, VOCAB, 23, 3);
            double[] refC = {-40, -35, -42, -38};
            double[] refR = {-41, -33, -45, -37};
            StepOutcome o;
            try (Optimizer sgd = Optimizer.create("sgd", 0, m); NDManager step = m.newSubManager()) {
                o = new PreferenceStep(stepped, new ParameterStore(m, false)).run(loss, sgd, 1e-3,
                        new PreferenceStep.Inputs(b[0], b[1], refC, refR, null, null), true, false, true, step);
            }
            // The loss's weights for these log-probs, built as PreferenceStep builds them (float32 inputs).
            LossOutput weights = loss.compute(new PairLogProbs(m.create(PreferenceStep.toFloats(o.chosenLogProbs())),
                    m.create(PreferenceStep.toFloats(o.rejectedLogProbs())), m.create(PreferenceStep.toFloats(refC)),
                    m.create(PreferenceStep.toFloats(refR)), b[0].tokenCounts(), b[1].tokenCounts(), null, null));
            ParameterStore ps = new ParameterStore(m, false);
            Gradients gradients = new Gradients(copy);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(Scorer.score(copy, ps, b[0], true).sums().mul(m.create(weights.chosenWeight())).sum());
                NDArray gw = gradients.take(m).get("lm_head.weight");
                collector.backward(Scorer.score(copy, ps, b[1], true).sums().mul(m.create(weights.rejectedWeight())).sum());
                NDArray gl = gradients.take(m).get("lm_head.weight");
                double autograd = dot(gw, gl);
                assertTrue(Math.abs(autograd) > 1e-7, "a non-trivial inner product: " + autograd);
                assertRelative(autograd, o.headInnerProduct(), 1e-9, "StepOutcome.headInnerProduct");
            }
            try (Optimizer sgd = Optimizer.create("sgd", 0, m); NDManager step = m.newSubManager()) {
                PreferenceStep stepper = new PreferenceStep(copy, new ParameterStore(m, false));
                PreferenceStep.Inputs in = new PreferenceStep.Inputs(b[0], b[1], refC, refR, null, null);
                assertTrue(Double.isNaN(stepper.run(loss, sgd, 1e-3, in, true, false, false, step).headInnerProduct()),
                        "probe without extras");
                assertTrue(Double.isNaN(stepper.run(loss, sgd, 1e-3, in, false, false, true, step).headInnerProduct()),
                        "extras without a probe");
            }
        }
    }
}
