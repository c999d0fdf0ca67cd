package io.logstream.query.loki;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The LogQL metric queries this API evaluates (docs/loki.md):
 * <ul>
 *   <li>range aggregations of a log query: {@code count_over_time}, {@code rate}, {@code bytes_over_time},
 *   {@code bytes_rate}, as in {@code count_over_time({service="api"} |= "timeout" [5m])};</li>
 *   <li>vector aggregations over them: {@code sum}, {@code count}, {@code min}, {@code max}, {@code avg}, with
 *   {@code by (...)} or {@code without (...)} before or after the parenthesis;</li>
 *   <li>numbers, {@code vector(n)} and {@code + - * /} between any of these, with parentheses.</li>
 * </ul>
 * Grafana's logs-volume query, {@code sum by (level, detected_level) (count_over_time({...} | drop __error__ [1m]))},
 * is one of them. Everything else is refused with a message that names it.
 */
public final class LogQlMetric {
    private static final int MAX_LENGTH = 4096;
    private static final Set<String> RANGE_FUNCTIONS = Set.of("count_over_time", "rate", "bytes_over_time", "bytes_rate");
    private static final Set<String> AGGREGATIONS = Set.of("sum", "count", "min", "max", "avg");

    /** A metric expression. */
    public sealed interface Expr permits Scalar, ConstantVector, RangeAggregation, Aggregation, Binary {
    }

    /** A number: a scalar. */
    public record Scalar(double value) implements Expr {
    }

    /** {@code vector(n)}: one series without labels. */
    public record ConstantVector(double value) implements Expr {
    }

    /** {@code function(logQuery [range])}; {@code range} in nanoseconds. */
    public record RangeAggregation(String function, LogQl.Query query, long range) implements Expr {
    }

    /** {@code function by|without (labels) (inner)}. */
    public record Aggregation(String function, List<String> labels, boolean without, Expr inner) implements Expr {
    }

    public record Binary(char op, Expr left, Expr right) implements Expr {
    }

    /** Deepest nesting of parentheses and aggregations: ample for any real query, far from the stack's limit. */
    static final int MAX_DEPTH = 64;

    private final String text;
    private int pos;
    private int depth;

    private LogQlMetric(String text) {
        this.text = text;
    }

    /** True when {@code text} is a metric query rather than a log query (which starts with a selector). */
    public static boolean isMetric(String text) {
        return text != null && !text.isBlank() && text.strip().charAt(0) != '{';
    }

    public static Expr parse(String text) {
        if (text.length() > MAX_LENGTH) {
            throw new LogQlException("query is longer than " + MAX_LENGTH + " characters");
        }
        LogQlMetric parser = new LogQlMetric(text);
        Expr expr = parser.sum();
        parser.skipSpace();
        if (parser.pos < text.length()) {
            throw new LogQlException("parse error at col " + (parser.pos + 1) + ": unexpected "
                    + LogQl.abbreviate(text.substring(parser.pos)));
        }
        return expr;
    }

    private Expr sum() {
        Expr left = product();
        while (true) {
            skipSpace();
            if (consume("+")) {
                left = new Binary('+', left, product());
            } else if (consume("-")) {
                left = new Binary('-', left, product());
            } else {
                return left;
            }
        }
    }

    private Expr product() {
        Expr left = operand();
        while (true) {
            skipSpace();
            if (consume("*")) {
                left = new Binary('*', left, operand());
            } else if (consume("/")) {
                left = new Binary('/', left, operand());
            } else {
                return left;
            }
        }
    }

    private Expr operand() {
        if (++depth > MAX_DEPTH) {
            throw new LogQlException("the query nests deeper than " + MAX_DEPTH + " levels");
        }
        try {
            return nestedOperand();
        } finally {
            depth--;
        }
    }

    private Expr nestedOperand() {
        skipSpace();
        if (consume("(")) {
            Expr inner = sum();
            expect(")");
            return inner;
        }
        if (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
            return new Scalar(number());
        }
        if (pos < text.length() && text.charAt(pos) == '{') {
            throw new LogQlException("parse error at col " + (pos + 1) + ": a log query cannot be combined with "
                    + "operators; wrap it in a range aggregation such as count_over_time({...}[5m])");
        }
        String word = word();
        if (word.isEmpty()) {
            throw new LogQlException("parse error at col " + (pos + 1) + ": expected a number, vector(n) or a function");
        }
        String name = word.toLowerCase(Locale.ROOT);
        if (name.equals("vector")) {
            expect("(");
            skipSpace();
            double value = number();
            expect(")");
            return new ConstantVector(value);
        }
        if (RANGE_FUNCTIONS.contains(name)) {
            return rangeAggregation(name);
        }
        if (AGGREGATIONS.contains(name)) {
            return aggregation(name);
        }
        throw new LogQlException("function " + word + " is not supported; the metric functions are "
                + "count_over_time, rate, bytes_over_time, bytes_rate, sum, count, min, max, avg and vector");
    }

    private Expr rangeAggregation(String function) {
        expect("(");
        int start = pos;
        int bracket = rangeBracket();
        LogQl.Query query = LogQl.parse(text.substring(start, bracket));
        pos = bracket + 1;
        int close = text.indexOf(']', pos);
        if (close < 0) {
            throw new LogQlException("parse error: unterminated range [...]");
        }
        String range = text.substring(pos, close).trim();
        pos = close + 1;
        long nanos;
        try {
            nanos = PromDuration.nanos(range);
        } catch (IllegalArgumentException e) {
            throw new LogQlException("invalid range [" + LogQl.abbreviate(range) + "]: " + e.getMessage());
        } catch (ArithmeticException e) {
            throw new LogQlException("invalid range [" + LogQl.abbreviate(range) + "]: out of range");
        }
        if (nanos <= 0) {
            throw new LogQlException("invalid range [" + range + "]: must be positive");
        }
        skipSpace();
        if (!consume(")")) {
            throw new LogQlException("parse error at col " + (pos + 1) + ": expected ) after the range; "
                    + "offset, unwrap and grouping inside a range aggregation are not supported");
        }
        return new RangeAggregation(function, query, nanos);
    }

    /** The {@code [} that ends the log query of a range aggregation, skipping quoted strings. */
    private int rangeBracket() {
        for (int i = pos; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                for (i++; i < text.length() && text.charAt(i) != '"'; i++) {
                    if (text.charAt(i) == '\\') {
                        i++;
                    }
                }
            } else if (c == '`') {
                i = text.indexOf('`', i + 1);
                if (i < 0) {
                    break;
                }
            } else if (c == '[') {
                return i;
            }
        }
        throw new LogQlException("parse error: a range aggregation needs a range such as [5m] after its log query");
    }

    private Expr aggregation(String function) {
        skipSpace();
        Grouping grouping = grouping();
        expect("(");
        Expr inner = sum();
        expect(")");
        skipSpace();
        if (grouping == null) {
            grouping = grouping();
        }
        if (inner instanceof Scalar) {
            throw new LogQlException(function + " takes a vector, not a number");
        }
        return grouping == null ? new Aggregation(function, List.of(), false, inner)
                : new Aggregation(function, grouping.labels(), grouping.without(), inner);
    }

    private record Grouping(List<String> labels, boolean without) {
    }

    private Grouping grouping() {
        int start = pos;
        String word = word().toLowerCase(Locale.ROOT);
        if (!word.equals("by") && !word.equals("without")) {
            pos = start;
            return null;
        }
        expect("(");
        List<String> labels = new ArrayList<>();
        skipSpace();
        if (!consume(")")) {
            do {
                skipSpace();
                String label = word();
                if (label.isEmpty()) {
                    throw new LogQlException("parse error at col " + (pos + 1) + ": expected a label name");
                }
                labels.add(label);
                skipSpace();
            } while (consume(","));
            expect(")");
        }
        return new Grouping(List.copyOf(labels), word.equals("without"));
    }

    private double number() {
        int start = pos;
        while (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
            pos++;
        }
        try {
            return Double.parseDouble(text.substring(start, pos));
        } catch (NumberFormatException e) {
            throw new LogQlException("parse error at col " + (start + 1) + ": expected a number");
        }
    }

    private String word() {
        skipSpace();
        int start = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private void expect(String token) {
        skipSpace();
        if (!consume(token)) {
            throw new LogQlException("parse error at col " + (pos + 1) + ": expected " + token);
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
}
