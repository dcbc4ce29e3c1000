package dev.untangle.tokenmap;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Writes a token x token matrix as CSV (header row = column labels, first column = row labels) and as a
 * PNG heatmap on a diverging scale: blue for -1, white for 0, red for +1 (values clipped to [-1, 1]; NaN
 * grey). Drawn with java.awt in headless mode, no charting library.
 */
public final class Heatmap {
    private static final int CELL = 14;
    private static final int LABEL_SPACE = 110;
    private static final int TOP_SPACE = 40;
    private static final int LEGEND_SPACE = 70;

    private Heatmap() {
    }

    public static void csv(Path file, List<String> rows, List<String> columns, double[][] values) throws IOException {
        StringBuilder b = new StringBuilder(quote("chosen \\ rejected"));
        for (String c : columns) {
            b.append(',').append(quote(c));
        }
        b.append('\n');
        for (int s = 0; s < rows.size(); s++) {
            b.append(quote(rows.get(s)));
            for (double v : values[s]) {
                b.append(',').append(String.format(Locale.ROOT, "%.6f", v));
            }
            b.append('\n');
        }
        Files.writeString(file, b.toString());
    }

    static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    /** A diverging colour: -1 blue (33,102,172), 0 white, +1 red (178,24,43). */
    static Color colour(double v) {
        if (!Double.isFinite(v)) {
            return Color.LIGHT_GRAY;
        }
        double x = Math.max(-1, Math.min(1, v));
        int[] end = x >= 0 ? new int[] {178, 24, 43} : new int[] {33, 102, 172};
        double t = Math.abs(x);
        return new Color((int) Math.round(255 + (end[0] - 255) * t), (int) Math.round(255 + (end[1] - 255) * t),
                (int) Math.round(255 + (end[2] - 255) * t));
    }

    public static void png(Path file, String title, List<String> rows, List<String> columns, double[][] values)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        int width = LABEL_SPACE + columns.size() * CELL + 20 + LEGEND_SPACE;
        int height = TOP_SPACE + rows.size() * CELL + LABEL_SPACE;
        BufferedImage image = new BufferedImage(width, Math.max(height, 200), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, 8, 18);
        g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 10));
        FontMetrics fm = g.getFontMetrics();
        for (int s = 0; s < rows.size(); s++) {
            for (int t = 0; t < columns.size(); t++) {
                g.setColor(colour(values[s][t]));
                g.fillRect(LABEL_SPACE + t * CELL, TOP_SPACE + s * CELL, CELL, CELL);
            }
            g.setColor(Color.BLACK);
            String label = clip(rows.get(s), 16);
            g.drawString(label, LABEL_SPACE - 4 - fm.stringWidth(label), TOP_SPACE + s * CELL + CELL - 3);
        }
        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(LABEL_SPACE, TOP_SPACE, columns.size() * CELL, rows.size() * CELL);
        // Column labels, rotated, under the grid.
        AffineTransform saved = g.getTransform();
        for (int t = 0; t < columns.size(); t++) {
            g.setTransform(saved);
            g.translate(LABEL_SPACE + t * CELL + CELL - 3, TOP_SPACE + rows.size() * CELL + 4);
            g.rotate(Math.PI / 2);
            g.setColor(Color.BLACK);
            g.drawString(clip(columns.get(t), 16), 0, 0);
        }
        g.setTransform(saved);
        // Legend: the colour scale from +1 (top) to -1 (bottom).
        int lx = LABEL_SPACE + columns.size() * CELL + 20;
        int lh = Math.max(100, Math.min(rows.size() * CELL, 300));
        for (int y = 0; y < lh; y++) {
            g.setColor(colour(1 - 2.0 * y / (lh - 1)));
            g.fillRect(lx, TOP_SPACE + y, 14, 1);
        }
        g.setColor(Color.BLACK);
        g.drawRect(lx, TOP_SPACE, 14, lh);
        g.drawString("+1", lx + 18, TOP_SPACE + 9);
        g.drawString(" 0", lx + 18, TOP_SPACE + lh / 2 + 4);
        g.drawString("-1", lx + 18, TOP_SPACE + lh);
        g.drawString("rows: chosen, columns: rejected", 8, TOP_SPACE - 6);
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "~";
    }
}
