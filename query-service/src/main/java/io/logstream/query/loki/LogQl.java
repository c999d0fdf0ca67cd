package io.logstream.query.loki;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The LogQL subset this API answers: a stream selector on {@code service}, {@code level} and {@code host} with
 * {@code =}, {@code !=}, {@code =~}, {@code !~}, followed by any chain of line filters {@code |=}, {@code !=},
 * {@code |~}, {@code !~}. Strings are Go-style double-quoted or back-quoted. Regular expressions are RE2 (re2j), as in
 * Loki, so no pattern can take more than linear time; label regexes match the whole value, line regexes any part.
 * A pattern whose expanded repetitions exceed {@link #MAX_REGEX_SIZE} elements is refused before it is compiled.
 * Everything else is refused with a message that names it.
 */
public final class LogQl {
    public static final Set<String> LABELS = Set.of("service", "level", "host");
    private static final int MAX_LENGTH = 4096;
    /** Largest regex program, counted before compiling ({@link RegexSize}): ample for any real pattern. */
    static final long MAX_REGEX_SIZE = 10_000;

    public enum Op { EQ, NEQ, RE, NRE }

    /** One label matcher; a label a record lacks has the value "". */
    public record Matcher(String label, Op op, String value, Pattern pattern) implements Predicate<String> {
        @Override
        public boolean test(String actual) {
            String v = actual == null ? "" : actual;
            return switch (op) {
                case EQ -> v.equals(value);
                case NEQ -> !v.equals(value);
                case RE -> pattern.matches(v);
                case NRE -> !pattern.matches(v);
            };
        }
    }

    /** One line filter. */
    public record LineFilter(Op op, String value, Pattern pattern) implements Predicate<String> {
        @Override
        public boolean test(String line) {
            return switch (op) {
                case EQ -> line.contains(value);
                case NEQ -> !line.contains(value);
                case RE -> pattern.matcher(line).find();
                case NRE -> !pattern.matcher(line).find();
            };
        }
    }

    public record Query(List<Matcher> matchers, List<LineFilter> filters) {
        public boolean lineMatches(String line) {
            return filters.stream().allMatch(filter -> filter.test(line));
        }
    }

    private final String text;
    private int pos;

    private LogQl(String text) {
        this.text = text;
    }

    /** Parses a log query: a selector and line filters. */
    public static Query parse(String text) {
        if (text == null || text.isBlank()) {
            throw new LogQlException("query is required: a stream selector such as {service=\"checkout\"}");
        }
        if (text.length() > MAX_LENGTH) {
            throw new LogQlException("query is longer than " + MAX_LENGTH + " characters");
        }
        LogQl parser = new LogQl(text);
        List<Matcher> matchers = parser.selector();
        List<LineFilter> filters = new ArrayList<>();
        parser.skipSpace();
        while (!parser.atEnd()) {
            if (!parser.dropErrorLabels()) {
                filters.add(parser.lineFilter());
            }
            parser.skipSpace();
        }
        return new Query(List.copyOf(matchers), List.copyOf(filters));
    }

    /** Parses a bare stream selector (the {@code match[]} of series). */
    public static List<Matcher> parseSelector(String text) {
        Query query = parse(text);
        if (!query.filters().isEmpty()) {
            throw new LogQlException("a series selector takes no line filters");
        }
        return query.matchers();
    }

    private List<Matcher> selector() {
        skipSpace();
        if (!consume("{")) {
            String word = text.substring(pos).split("[^A-Za-z_]", 2)[0];
            throw new LogQlException(word.isEmpty()
                    ? "parse error at col " + (pos + 1) + ": a log query starts with a stream selector {...}"
                    : "function " + word + "(...) is not supported here; a log query is a stream selector and line "
                    + "filters, a metric query one of the forms in docs/loki.md");
        }
        List<Matcher> matchers = new ArrayList<>();
        skipSpace();
        if (consume("}")) {
            return matchers;
        }
        while (true) {
            skipSpace();
            matchers.add(matcher());
            skipSpace();
            if (consume("}")) {
                return matchers;
            }
            if (!consume(",")) {
                throw new LogQlException("parse error at col " + (pos + 1) + ": expected , or } in the stream selector");
            }
        }
    }

    private Matcher matcher() {
        int start = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
            pos++;
        }
        String label = text.substring(start, pos);
        if (label.isEmpty()) {
            throw new LogQlException("parse error at col " + (pos + 1) + ": expected a label name");
        }
        if (!LABELS.contains(label)) {
            throw new LogQlException("label " + label + " is not supported; the labels are host, level and service");
        }
        skipSpace();
        Op op;
        if (consume("=~")) {
            op = Op.RE;
        } else if (consume("!~")) {
            op = Op.NRE;
        } else if (consume("!=")) {
            op = Op.NEQ;
        } else if (consume("=")) {
            op = Op.EQ;
        } else {
            throw new LogQlException("parse error at col " + (pos + 1) + ": expected =, !=, =~ or !~ after " + label);
        }
        skipSpace();
        String value = string();
        Pattern pattern = op == Op.RE || op == Op.NRE ? regex(value) : null;
        return new Matcher(label, op, value, pattern);
    }

    /**
     * {@code | drop __error__[, __error_details__]}, which Grafana adds to its queries: log-stream never sets those
     * labels, so dropping them changes nothing. Dropping any other label is refused.
     */
    private boolean dropErrorLabels() {
        int start = pos;
        if (!consume("|")) {
            return false;
        }
        skipSpace();
        if (!consume("drop") || pos >= text.length() || !Character.isWhitespace(text.charAt(pos))) {
            pos = start;
            return false;
        }
        do {
            skipSpace();
            int from = pos;
            while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
                pos++;
            }
            String label = text.substring(from, pos);
            if (!label.equals("__error__") && !label.equals("__error_details__")) {
                throw new LogQlException("unsupported at col " + (from + 1) + ": drop " + abbreviate(label)
                        + "; only | drop __error__, __error_details__ is supported (log-stream sets no such labels)");
            }
            skipSpace();
        } while (consume(","));
        return true;
    }

    private LineFilter lineFilter() {
        Op op;
        if (consume("|=")) {
            op = Op.EQ;
        } else if (consume("!=")) {
            op = Op.NEQ;
        } else if (consume("|~")) {
            op = Op.RE;
        } else if (consume("!~")) {
            op = Op.NRE;
        } else {
            String rest = text.substring(pos).strip();
            throw new LogQlException("unsupported at col " + (pos + 1) + ": " + abbreviate(rest)
                    + "; after the selector only line filters |=, !=, |~ and !~ are supported (no parsers, label "
                    + "filters or formatting)");
        }
        skipSpace();
        String value = string();
        return new LineFilter(op, value, op == Op.RE || op == Op.NRE ? regex(value) : null);
    }

    private String string() {
        if (consume("`")) {
            int end = text.indexOf('`', pos);
            if (end < 0) {
                throw new LogQlException("parse error: unterminated back-quoted string");
            }
            String value = text.substring(pos, end);
            pos = end + 1;
            return value;
        }
        if (!consume("\"")) {
            throw new LogQlException("parse error at col " + (pos + 1) + ": expected a quoted string");
        }
        StringBuilder value = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return value.toString();
            }
            if (c != '\\') {
                value.append(c);
                continue;
            }
            if (pos >= text.length()) {
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

    private static Pattern regex(String value) {
        if (RegexSize.of(value, MAX_REGEX_SIZE) > MAX_REGEX_SIZE) {
            throw new LogQlException("regular expression " + abbreviate(value) + " is too large once its repetitions "
                    + "are expanded (more than " + MAX_REGEX_SIZE + " elements); use fewer or smaller {n,m} counts");
        }
        try {
            return Pattern.compile(value);
        } catch (PatternSyntaxException e) {
            throw new LogQlException("invalid regular expression " + abbreviate(value) + ": " + e.getDescription());
        }
    }

    private boolean consume(String token) {
        if (text.startsWith(token, pos)) {
            pos += token.length();
            return true;
        }
        return false;
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private boolean atEnd() {
        return pos >= text.length();
    }

    static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }
}
