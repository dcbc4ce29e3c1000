package dev.untangle.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The registry, input checks with clear messages, and the SPO mask penalty. */
class LossesRegistryTest {

    @Test
    void knownListsEveryLossAndEachCreatesItself() {
        assertEquals(List.of("sigmoid", "hinge", "ipo", "robust", "rdpo", "simpo", "dpop", "cpo", "rpo", "slic",
                "orpo", "caldpo", "npo", "spo"), Losses.known());
        for (String type : Losses.known()) {
            PreferenceLoss loss = Losses.create(type, LossConfig.defaults());
            assertEquals(type, loss.type());
            assertEquals(0.1, loss.beta());
        }
        List<String> referenceFree = List.of("simpo", "cpo", "slic", "orpo");
        for (String type : Losses.known()) {
            assertEquals(!referenceFree.contains(type), Losses.create(type, LossConfig.defaults()).needsReference(),
                    type);
        }
    }

    @Test
    void unknownTypeNamesTheKnownOnes() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> Losses.create("kto", LossConfig.defaults()));
        assertTrue(error.getMessage().contains("unknown loss type 'kto'"), error.getMessage());
        assertTrue(error.getMessage().contains("sigmoid, hinge, ipo"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Losses.create(null, LossConfig.defaults()));
        assertFalse(Losses.isKnown("SIGMOID"));
        assertTrue(Losses.isKnown("npo"));
    }

    @Test
    void badConfigIsRejectedNamingTheField() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> LossConfig.defaults().withBeta(-0.1));
        assertTrue(error.getMessage().contains("LossConfig.beta"), error.getMessage());
        // beta 0 is a valid config (the dead-run check), but not for losses whose target is 1/(2*beta)
        error = assertThrows(IllegalArgumentException.class, () -> Losses.create("ipo", LossConfig.defaults().withBeta(0)));
        assertTrue(error.getMessage().contains("ipo"), error.getMessage());
        assertEquals(0.0, Losses.create("sigmoid", LossConfig.defaults().withBeta(0)).beta());
        error = assertThrows(IllegalArgumentException.class, () -> LossConfig.defaults().withLabelSmoothing(0.5));
        assertTrue(error.getMessage().contains("labelSmoothing"), error.getMessage());
    }

    @Test
    void missingOrBadInputsAreNamed() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray two = manager.create(new float[] {-3, -4});
            PairLogProbs noReference = new PairLogProbs(two, two, null, null, null, null, null, null);
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> Losses.create("sigmoid", LossConfig.defaults()).compute(noReference));
            assertEquals("loss sigmoid: PairLogProbs.refChosen is null but this loss needs it", error.getMessage());

            PairLogProbs zeroTokens = new PairLogProbs(two, two, two, two, manager.create(new float[] {3, 0}),
                    manager.create(new float[] {1, 1}), null, null);
            error = assertThrows(IllegalArgumentException.class,
                    () -> Losses.create("ipo", LossConfig.defaults()).compute(zeroTokens));
            assertEquals("loss ipo: PairLogProbs.chosenTokens[1] must be a token count >= 1, got 0.0",
                    error.getMessage());

            PairLogProbs wrongShape = new PairLogProbs(two, manager.create(new float[] {-1, -2, -3}), two, two,
                    null, null, null, null);
            error = assertThrows(IllegalArgumentException.class,
                    () -> Losses.create("hinge", LossConfig.defaults()).compute(wrongShape));
            assertTrue(error.getMessage().contains("PairLogProbs.rejected must have shape (2)"), error.getMessage());

            PairLogProbs negativeScale = new PairLogProbs(two, two, two, two, null, null,
                    manager.create(new float[] {1, -1}), null);
            error = assertThrows(IllegalArgumentException.class,
                    () -> Losses.create("npo", LossConfig.defaults()).compute(negativeScale));
            assertTrue(error.getMessage().contains("chosenScale[1] must be a finite scale > 0"), error.getMessage());

            PairLogProbs certain = new PairLogProbs(manager.create(new float[] {0, -4}), two, null, null,
                    manager.create(new float[] {2, 2}), manager.create(new float[] {2, 2}), null, null);
            error = assertThrows(IllegalArgumentException.class,
                    () -> Losses.create("orpo", LossConfig.defaults()).compute(certain));
            assertTrue(error.getMessage().contains("loss orpo: PairLogProbs.chosen[0]"), error.getMessage());
        }
    }

    @Test
    void spoMaskPenaltyIsTheBatchMeanL1() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray chosenMask = manager.create(new double[][] {{1, 0.5, 0}, {0.2, 0.2, 0}});
            NDArray rejectedMask = manager.create(new double[][] {{1, 1}, {0, 0.5}});
            chosenMask.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                // 0.1 * ((1.5 + 0.4) + (2 + 0.5)) / 2 = 0.22
                NDArray penalty = SpoLoss.maskPenalty(chosenMask, rejectedMask, 0.1);
                assertEquals(0.22, penalty.getDouble(), 1e-12);
                collector.backward(penalty);
            }
            // d/dm of lambda_s*|m|/B = 0.05 for a positive entry (mask values in [0, 1])
            assertEquals(0.05, chosenMask.getGradient().getDouble(0, 0), 1e-12);
            assertEquals(0.05, chosenMask.getGradient().getDouble(1, 1), 1e-12);
        }
    }

    @Test
    void spoIsTheSigmoidLossOnMaskedLogProbs() {
        LossHarness.Batch masked = LossHarness.random(9, 4);
        LossHarness.Evaluation spo = LossHarness.evaluate(Losses.create("spo", LossConfig.defaults()), masked);
        LossHarness.Evaluation sigmoid = LossHarness.evaluate(Losses.create("sigmoid", LossConfig.defaults()), masked);
        assertEquals(sigmoid.loss(), spo.loss(), 1e-15);
        assertEquals(sigmoid.output().chosenWeight()[2], spo.output().chosenWeight()[2], 1e-15);
    }
}
