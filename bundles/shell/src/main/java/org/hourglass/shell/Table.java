package org.hourglass.shell;

import java.util.ArrayList;
import java.util.List;

/** A plain text table: a header row and rows, columns left-aligned and separated by two spaces. */
final class Table {

    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    Table(String... header) {
        this.columns = header.length;
        rows.add(header);
    }

    Table row(Object... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException(columns + " cells per row, got " + cells.length);
        }
        String[] text = new String[columns];
        for (int i = 0; i < columns; i++) {
            text[i] = cells[i] == null ? "" : oneLine(cells[i].toString());
        }
        rows.add(text);
        return this;
    }

    /** Rows without the header. */
    int size() {
        return rows.size() - 1;
    }

    /** The table, one line per row, each ending in a line feed; trailing blanks are trimmed. */
    @Override
    public String toString() {
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(row[i]);
                if (i < columns - 1) {
                    line.append(" ".repeat(width[i] - row[i].length() + 2));
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /** Cells stay on one line: line breaks and tabs become spaces. */
    static String oneLine(String s) {
        return s.replaceAll("[\\r\\n\\t]+", " ");
    }
}
