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

    /** Whether {@code a op b} holds, for {@code op} one of {@code == != > >= < <=}: label filters' and PromQL's. */
    public static boolean holds(String op, double a, double b) {
        return switch (op) {
            case "==" -> a == b;
            case "!=" -> a != b;
            case ">" -> a > b;
            case ">=" -> a >= b;
            case "<" -> a < b;
            case "<=" -> a <= b;
            default -> throw new IllegalArgumentException("not a comparison: " + op);
        };
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

    /**
     * A log query: a stream selector, its line filters (wherever they stand: no stage changes the line, so they can
     * all run first) and the other pipeline stages in their order ({@link Pipeline}).
     */
    public record Query(List<Matcher> matchers, List<LineFilter> filters, List<Stage> pipeline) implements Statement {
        public Query(List<Matcher> matchers, List<LineFilter> filters) {
            this(matchers, filters, List.of());
        }

        public boolean lineMatches(String line) {
            return filters.stream().allMatch(filter -> filter.test(line));
        }
    }

    /** A pipeline stage after the selector, other than a line filter. */
    public sealed interface Stage permits Parser, RegexpParser, PatternParser, LabelFilter, Drop, Keep, Unwrap,
            LineFormat, LabelFormat, Decolorize, LineStage {
    }

    /**
     * {@code | json}, {@code | logfmt} or {@code | unpack}: the line's fields become labels; with extractions
     * ({@code | json route="request.route", status}) only those. {@code strict} and {@code keepEmpty} are logfmt's
     * {@code --strict} and {@code --keep-empty}.
     */
    public record Parser(String format, List<Extraction> extractions, boolean strict, boolean keepEmpty)
            implements Stage {
        public Parser(String format) {
            this(format, List.of(), false, false);
        }
    }

    /** {@code label="path"} in an extraction list: a JSON path ({@code a.b}, {@code a["b"]}, {@code a[0]}) or a key. */
    public record Extraction(String label, String path) {
    }

    /** {@code | regexp "(?P<name>re)"}: each named group that matches becomes a label. */
    public record RegexpParser(Pattern pattern) implements Stage {
    }

    /** {@code | pattern "<a> - <b>"} ({@link LinePattern}). */
    public record PatternParser(LinePattern pattern) implements Stage {
    }

    /** {@code | line_format "template"}: the line becomes the template's text ({@link LineTemplate}). */
    public record LineFormat(LineTemplate template) implements Stage {
    }

    /** {@code | label_format a=b, c="template"}: renames and templated labels, applied together. */
    public record LabelFormat(List<LabelAssignment> assignments) implements Stage {
    }

    /** {@code label=source} (a rename: source is left out) or {@code label="template"} (template not null). */
    public record LabelAssignment(String label, String source, LineTemplate template) {
    }

    /** {@code | decolorize}: ANSI colour sequences leave the line. */
    public record Decolorize() implements Stage {
    }

    /** A line filter after a stage that rewrites the line, run in its place in the pipeline. */
    public record LineStage(LineFilter filter) implements Stage {
    }

    /** {@code | <label filter expression>}. */
    public record LabelFilter(LabelPredicate predicate) implements Stage {
    }

    /** {@code | drop a, b}: those labels leave the entry. */
    public record Drop(List<String> labels) implements Stage {
    }

    /** {@code | keep a, b}: only those labels stay. */
    public record Keep(List<String> labels) implements Stage {
    }

    /**
     * {@code | unwrap label}, {@code | unwrap duration(label)} or {@code | unwrap bytes(label)}: the label's value is
     * the entry's sample, read as a number, a duration in seconds or a size in bytes. Only in a range aggregation; only
     * label filters follow it.
     */
    public record Unwrap(String label, Unit conversion) implements Stage {
    }

    /** A label filter expression. */
    public sealed interface LabelPredicate permits LabelMatch, LabelCompare, And, Or {
    }

    /** A string comparison of a label, as a stream matcher does it. */
    public record LabelMatch(Matcher matcher) implements LabelPredicate {
    }

    /** What a numeric label filter compares: a plain number, a duration (in seconds) or a size (in bytes). */
    public enum Unit { NUMBER, DURATION, BYTES }

    /** {@code label op value} with {@code op} one of {@code == != > >= < <=} ({@code =} is {@code ==}). */
    public record LabelCompare(String label, String op, double value, Unit unit) implements LabelPredicate {
    }

    public record And(LabelPredicate left, LabelPredicate right) implements LabelPredicate {
    }

    public record Or(LabelPredicate left, LabelPredicate right) implements LabelPredicate {
    }

    /** A metric expression. */
    /** Every range aggregation of an expression, left to right. */
    public static List<RangeAggregation> rangeAggregations(Expr expr) {
        List<RangeAggregation> out = new java.util.ArrayList<>();
        collect(expr, out);
        return out;
    }

    private static void collect(Expr expr, List<RangeAggregation> out) {
        if (expr instanceof RangeAggregation r) {
            out.add(r);
        } else if (expr instanceof Aggregation a) {
            collect(a.inner(), out);
        } else if (expr instanceof Binary b) {
            collect(b.left(), out);
            collect(b.right(), out);
        } else if (expr instanceof Comparison c) {
            collect(c.left(), out);
            collect(c.right(), out);
        } else if (expr instanceof SetOperation s) {
            collect(s.left(), out);
            collect(s.right(), out);
        } else if (expr instanceof TopK t) {
            collect(t.inner(), out);
        } else if (expr instanceof Sort s) {
            collect(s.inner(), out);
        } else if (expr instanceof LabelReplace l) {
            collect(l.inner(), out);
        } else if (expr instanceof ScalarOf s) {
            collect(s.inner(), out);
        }
    }

    public sealed interface Expr extends Statement permits Scalar, ConstantVector, RangeAggregation, Aggregation, Binary,
            Comparison, TopK, Sort, SetOperation, LabelReplace, ScalarOf, Recorded {
    }

    /**
     * How two vectors' series match: on identical label sets (null), {@code on (labels)} or {@code ignoring (labels)};
     * {@code group} is {@code left} or {@code right} for many-to-one or one-to-many, with the labels {@code include}
     * copies from the "one" side.
     */
    public record Matching(boolean on, List<String> labels, String group, List<String> include) {
    }

    /** A number: a scalar. */
    public record Scalar(double value) implements Expr {
    }

    /** {@code vector(n)}: one series without labels. */
    public record ConstantVector(double value) implements Expr {
    }

    /**
     * {@code function(logQuery [range] offset d)}; {@code range} and {@code offset} in nanoseconds: at instant t it
     * covers (t - offset - range, t - offset].
     */
    public record RangeAggregation(String function, Query query, long range, long offset, Double parameter,
                                   Grouping grouping) implements Expr {
        public RangeAggregation(String function, Query query, long range, long offset) {
            this(function, query, range, offset, null, null);
        }

        public RangeAggregation(String function, Query query, long range) {
            this(function, query, range, 0);
        }

        /** The query's unwrap stage, or null when it counts entries. */
        public Unwrap unwrap() {
            return (Unwrap) query.pipeline().stream().filter(Unwrap.class::isInstance).findFirst().orElse(null);
        }
    }

    /** {@code by (labels)} or {@code without (labels)}. */
    public record Grouping(List<String> labels, boolean without) {
    }

    /** {@code function by|without (labels) (inner)}. */
    public record Aggregation(String function, List<String> labels, boolean without, Expr inner) implements Expr {
    }

    public record Binary(char op, Expr left, Expr right, Matching matching) implements Expr {
        public Binary(char op, Expr left, Expr right) {
            this(op, left, right, null);
        }
    }

    /** {@code and}, {@code or} or {@code unless} between two vectors, as PromQL's. */
    public record SetOperation(String op, Expr left, Expr right, Matching matching) implements Expr {
    }

    /** {@code label_replace(v, "dst", "replacement", "src", "regex")}, as PromQL's. */
    public record LabelReplace(Expr inner, String destination, String replacement, String source, Pattern regex)
            implements Expr {
    }

    /** {@code scalar(v)}: the value of a vector's one series, NaN where it has not exactly one. */
    public record ScalarOf(Expr inner) implements Expr {
    }

    /** A recording rule's series, {@code name{matchers}}: what the rule recorded, read back (docs/rules.md). */
    public record Recorded(String name, List<Matcher> matchers) implements Expr {
    }

    /**
     * {@code left op [bool] right} with {@code op} one of {@code == != > >= < <=}: without {@code bool} a filter that
     * keeps the left value where the comparison holds, with it 1 or 0; two vectors match on identical label sets.
     */
    public record Comparison(String op, boolean bool, Expr left, Expr right, Matching matching) implements Expr {
        public Comparison(String op, boolean bool, Expr left, Expr right) {
            this(op, bool, left, right, null);
        }
    }

    /** {@code topk} or {@code bottomk} (and {@code approx_topk}, answered exactly): the k largest or smallest. */
    public record TopK(boolean top, int k, List<String> labels, boolean without, Expr inner) implements Expr {
    }

    /** {@code sort} or {@code sort_desc}: the series ordered by their value. */
    public record Sort(boolean descending, Expr inner) implements Expr {
    }
}
