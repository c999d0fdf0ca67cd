package io.logstream.query.logql;

import com.google.re2j.Pattern;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The LogQL this API answers, as parsed by {@link LogQlParser}: a {@link Statement} is either a log {@link Query} (a
 * stream selector on {@code service}, {@code level} and {@code host} and a chain of line filters) or a metric
 * {@link Expr} (range aggregations of log queries, vector aggregations over them, numbers, {@code vector(n)} and
 * arithmetic). Regular expressions are RE2 (re2j), as in Loki, so no pattern takes more than linear time; label
 * regexes match the whole value, line regexes any part.
 */
public final class LogQl {
    public static final Set<String> LABELS = Set.of("service", "level", "host");
    /** Largest regex program, counted before compiling ({@link RegexSize}): ample for any real pattern. */
    public static final long MAX_REGEX_SIZE = 10_000;

    private LogQl() {
    }

    /** What a query string is: a log query or a metric expression. */
    public sealed interface Statement permits Query, Expr {
    }

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

    /** A log query: a stream selector and line filters. */
    public record Query(List<Matcher> matchers, List<LineFilter> filters) implements Statement {
        public boolean lineMatches(String line) {
            return filters.stream().allMatch(filter -> filter.test(line));
        }
    }

    /** A metric expression. */
    public sealed interface Expr extends Statement permits Scalar, ConstantVector, RangeAggregation, Aggregation, Binary {
    }

    /** A number: a scalar. */
    public record Scalar(double value) implements Expr {
    }

    /** {@code vector(n)}: one series without labels. */
    public record ConstantVector(double value) implements Expr {
    }

    /** {@code function(logQuery [range])}; {@code range} in nanoseconds. */
    public record RangeAggregation(String function, Query query, long range) implements Expr {
    }

    /** {@code function by|without (labels) (inner)}. */
    public record Aggregation(String function, List<String> labels, boolean without, Expr inner) implements Expr {
    }

    public record Binary(char op, Expr left, Expr right) implements Expr {
    }
}
