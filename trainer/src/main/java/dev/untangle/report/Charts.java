package dev.untangle.report;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYLineAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The report's chart kinds, drawn headless with JFreeChart: stacked time-series panels over the step
 * axis with vertical event markers, a scatter against the identity line, a per-step colour strip and
 * a diverging heatmap. One builder per kind, so every time-series chart looks and behaves the same.
 */
final class Charts {
    static final Color CHOSEN = new Color(0x1b9e77);
    static final Color REJECTED = new Color(0xd95f02);
    static final Color THIRD = new Color(0x7570b3);
    static final Color SWITCH = new Color(0x2166ac);
    static final Color ALERT = new Color(0xb2182b);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Color LABEL_BACKGROUND = new Color(255, 255, 255, 210);

    private Charts() {
    }

    /** One series: points with a missing or non-finite x or y are skipped, never drawn or crashed on. */
    record Line(String name, Color color, double[] x, double[] y, boolean dots) {
        static <T> Line of(String name, Color color, List<T> items, ToDoubleFunction<T> x, Function<T, Double> y) {
            List<double[]> points = new ArrayList<>();
            for (T item : items) {
                Double v = y.apply(item);
                double at = x.applyAsDouble(item);
                if (v != null && Double.isFinite(v) && Double.isFinite(at)) {
                    points.add(new double[]{at, v});
                }
            }
            double[] xs = points.stream().mapToDouble(p -> p[0]).toArray();
            double[] ys = points.stream().mapToDouble(p -> p[1]).toArray();
            return new Line(name, color, xs, ys, xs.length <= 60);
        }
    }

    /**
     * One panel of a stacked chart. With finite {@code low}/{@code high} the axis is fixed and points
     * beyond it are pinned to its edge (see {@link #clipped}); {@code reference} draws a horizontal line.
     */
    record Panel(String yLabel, List<Line> lines, double low, double high, Double reference) {
        Panel(String yLabel, List<Line> lines) {
            this(yLabel, lines, Double.NaN, Double.NaN, null);
        }

        /** Points outside [low, high] (pinned to the edge when drawn). */
        int clipped() {
            if (!Double.isFinite(low)) {
                return 0;
            }
            int n = 0;
            for (Line l : lines) {
                for (double v : l.y()) {
                    n += v < low || v > high ? 1 : 0;
                }
            }
            return n;
        }
    }

    /** A vertical line at a step: a loss switch or an alert. */
    record Marker(double step, String label, Color color) {
    }

    /** Panels stacked over one shared step axis; markers on every panel, labelled on the top one. */
    static JFreeChart timeSeries(String title, List<Panel> panels, List<Marker> markers) {
        NumberAxis stepAxis = new NumberAxis("step");
        stepAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(stepAxis);
        combined.setGap(12);
        boolean top = true;
        for (Panel panel : panels) {
            XYSeriesCollection data = new XYSeriesCollection();
            XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
            for (Line line : panel.lines()) {
                XYSeries series = new XYSeries(line.name(), false, true);
                for (int i = 0; i < line.x().length; i++) {
                    double y = line.y()[i];
                    series.add(line.x()[i], Double.isFinite(panel.low()) ? Math.max(panel.low(), Math.min(panel.high(), y)) : y);
                }
                int index = data.getSeriesCount();
                data.addSeries(series);
                renderer.setSeriesPaint(index, line.color());
                renderer.setSeriesStroke(index, new BasicStroke(1.6f));
                renderer.setSeriesShapesVisible(index, line.dots());
                renderer.setSeriesShape(index, new Ellipse2D.Double(-3, -3, 6, 6));
            }
            NumberAxis axis = new NumberAxis(panel.yLabel());
            axis.setAutoRangeIncludesZero(false);
            if (Double.isFinite(panel.low())) {
                double pad = (panel.high() - panel.low()) * 0.03;
                axis.setRange(panel.low() - pad, panel.high() + pad);
            }
            XYPlot plot = new XYPlot(data, null, axis, renderer);
            style(plot);
            if (panel.reference() != null) {
                ValueMarker ref = new ValueMarker(panel.reference(), Color.DARK_GRAY, new BasicStroke(1.2f));
                ref.setLabel(" " + panel.reference());
                ref.setLabelFont(LABEL);
                ref.setLabelBackgroundColor(LABEL_BACKGROUND);
                ref.setLabelAnchor(RectangleAnchor.TOP_LEFT);
                ref.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
                plot.addRangeMarker(ref);
            }
            for (int i = 0; i < markers.size(); i++) {
                Marker m = markers.get(i);
                ValueMarker v = new ValueMarker(m.step(), m.color(), new BasicStroke(1.4f, BasicStroke.CAP_BUTT,
                        BasicStroke.JOIN_MITER, 10f, new float[]{5f, 3f}, 0f));
                if (top) {
                    // labels of nearby markers would overprint each other: stagger them over three rows
                    v.setLabel(m.label());
                    v.setLabelFont(LABEL);
                    v.setLabelPaint(m.color());
                    v.setLabelBackgroundColor(LABEL_BACKGROUND);
                    v.setLabelOffset(new RectangleInsets(3 + 14 * (i % 3), 3, 3, 3));
                    v.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
                    v.setLabelTextAnchor(TextAnchor.TOP_LEFT);
                }
                plot.addDomainMarker(v);
            }
            combined.add(plot, 1);
            top = false;
        }
        return finish(title, combined);
    }

    /** Predicted against measured values with the identity line y = x (perfect first-order prediction). */
    static JFreeChart scatter(String title, String xLabel, String yLabel, List<Line> lines) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (Line line : lines) {
            XYSeries series = new XYSeries(line.name(), false, true);
            for (int i = 0; i < line.x().length; i++) {
                series.add(line.x()[i], line.y()[i]);
                low = Math.min(low, Math.min(line.x()[i], line.y()[i]));
                high = Math.max(high, Math.max(line.x()[i], line.y()[i]));
            }
            renderer.setSeriesPaint(data.getSeriesCount(), line.color());
            renderer.setSeriesShape(data.getSeriesCount(), new Ellipse2D.Double(-3, -3, 6, 6));
            data.addSeries(series);
        }
        NumberAxis x = new NumberAxis(xLabel);
        NumberAxis y = new NumberAxis(yLabel);
        x.setAutoRangeIncludesZero(false);
        y.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        style(plot);
        if (low < high) {
            plot.addAnnotation(new XYLineAnnotation(low, low, high, high, new BasicStroke(1f), Color.GRAY));
        }
        return finish(title, plot);
    }

    /**
     * A token-by-token matrix in [-1, 1] on a diverging scale: blue negative, white 0, red positive,
     * so entangled (positively aligned) token pairs stand out red. Values outside [-1, 1] are clamped.
     */
    static JFreeChart heatmap(String title, TokenMap map) {
        int rows = map.chosen().size();
        int cols = map.rejected().size();
        double[][] xyz = new double[3][rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                xyz[0][i] = c;
                xyz[1][i] = rows - 1 - r;
                double v = map.values()[r][c];
                xyz[2][i] = Double.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("cosine", xyz);
        LookupPaintScale scale = new LookupPaintScale(-1, 1.0001, Color.WHITE);
        for (int i = 0; i <= 40; i++) {
            double v = -1 + i / 20.0;
            scale.add(v, diverging(v));
        }
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(scale);
        SymbolAxis x = new SymbolAxis("rejected tokens", map.rejected().toArray(String[]::new));
        List<String> reversed = new ArrayList<>(map.chosen());
        java.util.Collections.reverse(reversed);
        SymbolAxis y = new SymbolAxis("chosen tokens", reversed.toArray(String[]::new));
        x.setVerticalTickLabels(true);
        x.setGridBandsVisible(false);
        y.setGridBandsVisible(false);
        x.setTickLabelFont(LABEL);
        y.setTickLabelFont(LABEL);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 15), plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        NumberAxis legendAxis = new NumberAxis("cosine");
        legendAxis.setRange(-1, 1);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(8, 8, 8, 8);
        chart.addSubtitle(legend);
        return chart;
    }

    /** Blue (-1) to white (0) to red (+1), linear in each half. */
    static Color diverging(double v) {
        Color end = v < 0 ? new Color(0x2166ac) : new Color(0xb2182b);
        double t = Math.min(1, Math.abs(v));
        return new Color((int) Math.round(255 + (end.getRed() - 255) * t), (int) Math.round(255 + (end.getGreen() - 255) * t),
                (int) Math.round(255 + (end.getBlue() - 255) * t));
    }

    /**
     * One coloured column per step from {@code firstStep} to {@code lastStep}: the probe case of each step
     * (colours from {@code palette}, keyed by case; steps without an event or a probe use {@code noProbe}).
     */
    static BufferedImage caseStrip(Map<Long, String> caseByStep, long firstStep, long lastStep,
                                   Map<String, Color> palette, Color noProbe, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int left = 40;
        int right = width - 40;
        int stripHeight = height - 30;
        long span = Math.max(1, lastStep - firstStep + 1);
        for (long s = firstStep; s <= lastStep; s++) {
            int x0 = left + (int) ((s - firstStep) * (right - left) / span);
            int x1 = left + (int) ((s - firstStep + 1) * (right - left) / span);
            String label = caseByStep.get(s);
            g.setColor(label == null ? noProbe : palette.getOrDefault(label, noProbe));
            g.fillRect(x0, 4, Math.max(1, x1 - x0), stripHeight);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(left, 4, right - left, stripHeight);
        g.setFont(LABEL);
        long every = 1;
        while (span / every > 12) {
            every = nextNice(every);
        }
        for (long s = (firstStep + every - 1) / every * every; s <= lastStep; s += every) {
            int x = left + (int) ((s - firstStep) * (right - left) / span + (right - left) / (2.0 * span));
            g.drawLine(x, 4 + stripHeight, x, 8 + stripHeight);
            String text = Long.toString(s);
            g.drawString(text, x - g.getFontMetrics().stringWidth(text) / 2, stripHeight + 22);
        }
        g.dispose();
        return image;
    }

    /** The next of 1, 2, 5, 10, 20, 50, ...: tick spacings a reader can count with. */
    static long nextNice(long value) {
        long scale = 1;
        while (scale * 10 <= value) {
            scale *= 10;
        }
        long leading = value / scale;
        return (leading < 2 ? 2 : leading < 5 ? 5 : 10) * scale;
    }

    private static void style(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        plot.setNoDataMessage("no finite values");
    }

    private static JFreeChart finish(String title, org.jfree.chart.plot.Plot plot) {
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 15), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }
}
