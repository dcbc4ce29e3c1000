package dev.untangle.loss;

/**
 * Counts of the probe's cases (DESIGN.md section 1: ideal, both_down, both_up, undefined) over steps or
 * pairs, and their fractions. A label outside the four (or null, a step without a probe) is not counted.
 */
public final class CaseTally {
    private long ideal;
    private long bothDown;
    private long bothUp;
    private long undefined;

    /** Counts one case label; returns false for null or an unknown label, which is left out. */
    public boolean add(String caseLabel) {
        if (caseLabel == null) {
            return false;
        }
        switch (caseLabel) {
            case EntanglementConditions.IDEAL -> ideal++;
            case EntanglementConditions.BOTH_DOWN -> bothDown++;
            case EntanglementConditions.BOTH_UP -> bothUp++;
            case EntanglementConditions.UNDEFINED -> undefined++;
            default -> {
                return false;
            }
        }
        return true;
    }

    public long total() {
        return ideal + bothDown + bothUp + undefined;
    }

    public long count(String caseLabel) {
        return switch (caseLabel) {
            case EntanglementConditions.IDEAL -> ideal;
            case EntanglementConditions.BOTH_DOWN -> bothDown;
            case EntanglementConditions.BOTH_UP -> bothUp;
            case EntanglementConditions.UNDEFINED -> undefined;
            default -> throw new IllegalArgumentException("unknown case '" + caseLabel + "'");
        };
    }

    /** Fraction of the counted labels with this case; NaN when nothing was counted. */
    public double fraction(String caseLabel) {
        long n = total();
        return n == 0 ? Double.NaN : count(caseLabel) / (double) n;
    }
}
