package org.hourglass.csv;

import java.io.IOException;

/** Text that is not valid CSV, with the 1-based line and column where the reader found the problem. */
public final class CsvFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final long line;
    private final long column;
    private final String problem;

    public CsvFormatException(long line, long column, String problem) {
        super("malformed CSV at line " + line + ", column " + column + ": " + problem);
        this.line = line;
        this.column = column;
        this.problem = problem;
    }

    public long line() {
        return line;
    }

    public long column() {
        return column;
    }

    /** What is wrong, without the position. */
    public String problem() {
        return problem;
    }
}
