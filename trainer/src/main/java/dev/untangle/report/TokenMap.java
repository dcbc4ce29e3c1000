package dev.untangle.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A token-gradient cosine map (DESIGN.md section 1, "why the inner product is large"): entry [i][j] is
 * the cosine between the gradient of chosen token i and rejected token j. CSV: a header row whose first
 * cell is a corner label and whose other cells are the rejected tokens, then one row per chosen token
 * (token first, then values in [-1, 1]). Tokens may be quoted RFC 4180 style (commas, quotes, spaces).
 */
public record TokenMap(String name, List<String> chosen, List<String> rejected, double[][] values) {

    public static TokenMap read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read token map " + file, e);
        }
        lines.removeIf(String::isBlank);
        if (lines.size() < 2) {
            throw new IllegalArgumentException(file + ": a token map needs a header row and at least one row");
        }
        List<String> header = split(lines.get(0));
        List<String> rejected = header.subList(1, header.size());
        List<String> chosen = new ArrayList<>();
        double[][] values = new double[lines.size() - 1][];
        for (int r = 1; r < lines.size(); r++) {
            List<String> cells = split(lines.get(r));
            if (cells.size() != header.size()) {
                throw new IllegalArgumentException(file + ":" + (r + 1) + ": " + cells.size() + " cells, header has " + header.size());
            }
            chosen.add(cells.get(0));
            values[r - 1] = new double[rejected.size()];
            for (int c = 1; c < cells.size(); c++) {
                try {
                    values[r - 1][c - 1] = Double.parseDouble(cells.get(c).trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(file + ":" + (r + 1) + ": column " + (c + 1)
                            + " (rejected token " + rejected.get(c - 1) + "): not a number: " + cells.get(c));
                }
            }
        }
        String name = file.getFileName().toString().replaceFirst("\\.csv$", "");
        return new TokenMap(name, List.copyOf(chosen), List.copyOf(rejected), values);
    }

    /** Splits one CSV record; a doubled quote inside a quoted cell is a literal quote. */
    static List<String> split(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cell.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(ch);
            }
        }
        cells.add(cell.toString());
        return cells;
    }
}
