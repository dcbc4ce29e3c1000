package dev.untangle.data;

/**
 * Bad input, located: which file, which line (1-based; 0 when the problem is the file as a whole), which
 * field (null when no single field is at fault) and why. {@link #getMessage()} is one line meant to be
 * printed as-is by the CLI, e.g. {@code harmless.jsonl:17: field 'chosen': expected a string or a list of
 * messages, got number}. No stack trace is needed to act on it.
 */
public final class DataException extends RuntimeException {
    private final String file;
    private final long line;
    private final String field;
    private final BadRecord reason;
    private final String detail;

    public DataException(String file, long line, String field, BadRecord reason, String detail) {
        super(format(file, line, field, detail));
        this.file = file;
        this.line = line;
        this.field = field;
        this.reason = reason;
        this.detail = detail;
    }

    public DataException(String file, long line, String field, BadRecord reason, String detail, Throwable cause) {
        this(file, line, field, reason, detail);
        initCause(cause);
    }

    private static String format(String file, long line, String field, String detail) {
        StringBuilder s = new StringBuilder(file);
        if (line > 0) {
            s.append(':').append(line);
        }
        s.append(": ");
        if (field != null) {
            s.append("field '").append(field).append("': ");
        }
        return s.append(detail).toString();
    }

    public String file() {
        return file;
    }

    /** 1-based line number, or 0 when the error concerns the whole file. */
    public long line() {
        return line;
    }

    /** JSON field path such as {@code chosen} or {@code prompt[1].content}; null when no field is at fault. */
    public String field() {
        return field;
    }

    public BadRecord reason() {
        return reason;
    }

    /** The message without the location prefix. */
    public String detail() {
        return detail;
    }
}
