package dev.untangle.loss;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The registry of losses by TRL's loss_type names (and the paper's mitigations npo, spo). Adding a loss is one
 * class, one line here and its golden test.
 */
public final class Losses {
    private static final Map<String, Function<LossConfig, PreferenceLoss>> FACTORIES = new LinkedHashMap<>();

    static {
        FACTORIES.put("sigmoid", SigmoidLoss::new);
        FACTORIES.put("hinge", HingeLoss::new);
        FACTORIES.put("ipo", IpoLoss::new);
        FACTORIES.put("robust", RobustLoss::new);
        FACTORIES.put("rdpo", RdpoLoss::new);
        FACTORIES.put("simpo", SimpoLoss::new);
        FACTORIES.put("dpop", DpopLoss::new);
        FACTORIES.put("cpo", CpoLoss::new);
        FACTORIES.put("rpo", RpoLoss::new);
        FACTORIES.put("slic", SlicLoss::new);
        FACTORIES.put("orpo", OrpoLoss::new);
        FACTORIES.put("caldpo", CalDpoLoss::new);
        FACTORIES.put("npo", NpoLoss::new);
        FACTORIES.put("spo", SpoLoss::new);
    }

    private Losses() {
    }

    /** The known loss type names, in a fixed order. */
    public static List<String> known() {
        return List.copyOf(FACTORIES.keySet());
    }

    public static boolean isKnown(String type) {
        return type != null && FACTORIES.containsKey(type);
    }

    /**
     * Creates the loss named {@code type} (exact, lower case, as in {@link #known()}).
     *
     * @throws IllegalArgumentException naming the known types when {@code type} is not one of them
     */
    public static PreferenceLoss create(String type, LossConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("Losses.create: config is null");
        }
        Function<LossConfig, PreferenceLoss> factory = type == null ? null : FACTORIES.get(type);
        if (factory == null) {
            throw new IllegalArgumentException("unknown loss type '" + type + "'; known: " + String.join(", ", known()));
        }
        return factory.apply(config);
    }
}
