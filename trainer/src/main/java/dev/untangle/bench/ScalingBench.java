package dev.untangle.bench;

import dev.untangle.data.EncodedPair;
import dev.untangle.model.GptConfig;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Step time against sequence length, width and batch, one factor at a time around a base shape, with the
 * probe's overhead at each point (plain and probe steps interleaved as in {@link ProbeBench}).
 */
final class ScalingBench {
    private ScalingBench() {
    }

    record Row(String factor, String value, BenchFixture.Shape shape, ProbeBench.Result result) {
    }

    static List<Row> run(BenchFixture.Shape base, List<EncodedPair> pairsAtMaxLength, int padId, double lr,
                         int warmup, int rounds, int[] lengths, int[] widths, int[] batches, PrintStream out,
                         java.util.function.IntFunction<List<EncodedPair>> pairsAtLength) {
        List<Row> rows = new ArrayList<>();
        GptConfig c = base.config();
        for (int length : lengths) {
            rows.add(measure("seq length", Integer.toString(length),
                    new BenchFixture.Shape(c, base.batchSize(), length), pairsAtLength.apply(length), padId, lr,
                    warmup, rounds, out));
        }
        for (int width : widths) {
            GptConfig wide = new GptConfig(c.vocabSize(), c.contextLength(), width, c.layers(), c.heads(), c.tiedHead(),
                    c.layerNormEps());
            rows.add(measure("width", Integer.toString(width), new BenchFixture.Shape(wide, base.batchSize(), base.maxLength()),
                    pairsAtMaxLength, padId, lr, warmup, rounds, out));
        }
        for (int batch : batches) {
            rows.add(measure("batch", Integer.toString(batch), new BenchFixture.Shape(c, batch, base.maxLength()),
                    pairsAtMaxLength, padId, lr, warmup, rounds, out));
        }
        return rows;
    }

    private static Row measure(String factor, String value, BenchFixture.Shape shape, List<EncodedPair> pairs, int padId,
                               double lr, int warmup, int rounds, PrintStream out) {
        try (BenchFixture fixture = new BenchFixture(shape, pairs, padId, lr, 1)) {
            Row row = new Row(factor, value, shape, ProbeBench.run(fixture, warmup, rounds));
            out.println(format(row));
            out.flush();
            return row;
        }
    }

    static String header() {
        return "| factor | value | shape | plain ms | probe ms | probe/plain | paired ratio | tokens/s plain |\n"
                + "|---|---|---|---|---|---|---|---|";
    }

    static String format(Row r) {
        ProbeBench.Result x = r.result();
        return String.format("| %s | %s | %s | %.1f | %.1f | %.3f | %.3f | %.0f |", r.factor(), r.value(),
                r.shape().describe(), 1e3 * x.plainSeconds(), 1e3 * x.probeSeconds(), x.ratio(), x.pairedRatio(),
                x.tokensPerStep() / x.plainSeconds());
    }
}
