package io.logstream.query.logql;

/**
 * The one scanner under {@link LogQlParser}: a position in the query text, never past {@code end} (a range
 * aggregation's log query ends at its {@code [}). Columns in messages are 1-based positions in the whole query.
 */
final class LogQlLexer {
    private final String text;
    private final int end;
    private int pos;

    LogQlLexer(String text) {
        this(text, 0, text.length());
    }

    LogQlLexer(String text, int from, int end) {
        this.text = text;
        this.pos = from;
        this.end = end;
    }

    int pos() {
        return pos;
    }

    void reset(int to) {
        pos = to;
    }

    int col() {
        return pos + 1;
    }

    boolean atEnd() {
        return pos >= end;
    }

    /** The character at the position, or 0 at the end. */
    char peek() {
        return pos < end ? text.charAt(pos) : 0;
    }

    boolean atDigit() {
        return pos < end && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.');
    }

    boolean atSpace() {
        return pos < end && Character.isWhitespace(text.charAt(pos));
    }

    /** What is left, up to the end. */
    String rest() {
        return text.substring(pos, end);
    }

    String text() {
        return text;
    }

    void skipSpace() {
        while (pos < end && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    boolean consume(String token) {
        if (pos + token.length() <= end && text.startsWith(token, pos)) {
            pos += token.length();
            return true;
        }
        return false;
    }

    void expect(String token) {
        skipSpace();
        if (!consume(token)) {
            throw new LogQlException("parse error at col " + col() + ": expected " + token);
        }
    }

    /** A name of letters, digits and underscores, possibly empty; does not skip space first. */
    String name() {
        int start = pos;
        while (pos < end && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
            pos++;
        }
        return text.substring(start, pos);
    }

    /** A name after optional space. */
    String word() {
        skipSpace();
        return name();
    }

    double number() {
        int start = pos;
        while (atDigit()) {
            pos++;
        }
        try {
            return Double.parseDouble(text.substring(start, pos));
        } catch (NumberFormatException e) {
            throw new LogQlException("parse error at col " + (start + 1) + ": expected a number");
        }
    }

    /** A Go-style double-quoted string (escapes \n \t \r \\ \" \') or a back-quoted one. */
    String string() {
        if (consume("`")) {
            int close = text.indexOf('`', pos);
            if (close < 0 || close >= end) {
                throw new LogQlException("parse error: unterminated back-quoted string");
            }
            String value = text.substring(pos, close);
            pos = close + 1;
            return value;
        }
        if (!consume("\"")) {
            throw new LogQlException("parse error at col " + col() + ": expected a quoted string");
        }
        StringBuilder value = new StringBuilder();
        while (pos < end) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return value.toString();
            }
            if (c != '\\') {
                value.append(c);
                continue;
            }
            if (pos >= end) {
                break;
            }
            char e = text.charAt(pos++);
            switch (e) {
                case 'n' -> value.append('\n');
                case 't' -> value.append('\t');
                case 'r' -> value.append('\r');
                case '\\', '"', '\'' -> value.append(e);
                default -> throw new LogQlException("parse error at col " + pos + ": unsupported escape \\" + e
                        + " (write a regex escape as \\\\" + e + " or use a back-quoted string)");
            }
        }
        throw new LogQlException("parse error: unterminated string");
    }

    /** The first {@code c} at or after the position outside quoted strings, or -1. */
    int indexOutsideStrings(char c) {
        for (int i = pos; i < end; i++) {
            char at = text.charAt(i);
            if (at == '"') {
                for (i++; i < end && text.charAt(i) != '"'; i++) {
                    if (text.charAt(i) == '\\') {
                        i++;
                    }
                }
            } else if (at == '`') {
                i = text.indexOf('`', i + 1);
                if (i < 0) {
                    return -1;
                }
            } else if (at == c) {
                return i;
            }
        }
        return -1;
    }

    static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }
}
