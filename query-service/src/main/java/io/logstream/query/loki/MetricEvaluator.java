package io.logstream.query.loki;

import io.logstream.model.LogRecord;
import io.logstream.query.logs.ReadBudget;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Evaluates a {@link LogQlMetric} expression at a list of instants, exactly: every record a range aggregation covers
 * is read and counted (within the request's read budget), none is sampled. A query that would read past the budget
 * is refused (400) rather than answered with a count that is short. Series without a sample at an instant have no
 * point there, as in Loki.
 */
@Singleton
public class MetricEvaluator {
    private final SelectorReader reader;
    private final LokiEncoder encoder;

    public MetricEvaluator(SelectorReader reader, LokiEncoder encoder) {
        this.reader = reader;
        this.encoder = encoder;
    }

    /** Series (label set to one value per instant, null where absent), or a scalar's one row. */
    public record Result(boolean scalar, Map<Map<String, String>, Double[]> series) {
    }

    /** {@code instants} in epoch nanoseconds, ascending. */
    public Result evaluate(LogQlMetric.Expr expr, long[] instants, @Nullable Authentication auth, ReadBudget budget) {
        if (expr instanceof LogQlMetric.Scalar s) {
            return constant(true, s.value(), instants);
        }
        if (expr instanceof LogQlMetric.ConstantVector v) {
            return constant(false, v.value(), instants);
        }
        if (expr instanceof LogQlMetric.RangeAggregation r) {
            return range(r, instants, auth, budget);
        }
        if (expr instanceof LogQlMetric.Aggregation a) {
            return aggregate(a, evaluate(a.inner(), instants, auth, budget));
        }
        LogQlMetric.Binary b = (LogQlMetric.Binary) expr;
        return binary(b.op(), evaluate(b.left(), instants, auth, budget), evaluate(b.right(), instants, auth, budget));
    }

    private static Result constant(boolean scalar, double value, long[] instants) {
        Double[] values = new Double[instants.length];
        Arrays.fill(values, value);
        Map<Map<String, String>, Double[]> series = new LinkedHashMap<>();
        series.put(Map.of(), values);
        return new Result(scalar, series);
    }

    /** One series per label set; at each instant t the records in (t - range, t]. */
    private Result range(LogQlMetric.RangeAggregation r, long[] instants, @Nullable Authentication auth,
                         ReadBudget budget) {
        boolean bytes = r.function().startsWith("bytes");
        Map<Map<String, String>, Samples> bySeries = new HashMap<>();
        long first = instants[0] - r.range();
        long last = instants[instants.length - 1];
        LogQl.Query query = r.query();
        SelectorReader.Scanned scanned = reader.scan(reader.services(query.matchers(), auth),
                SelectorReader.levels(query.matchers()), LokiTime.fromMillis(first + 1), LokiTime.toMillis(last + 1),
                encoder.filter(query), budget, record -> bySeries.computeIfAbsent(LokiEncoder.labelsOf(record),
                        labels -> new Samples()).add(record, bytes ? encoder.lineBytes(record) : 0));
        if (scanned.truncated()) {
            throw new LogQlException("the metric query would read more than this request's budget ("
                    + (budget.exhausted() == ReadBudget.Cause.DEADLINE ? "its deadline" : budget.maxPages()
                    + " DynamoDB pages") + ") after " + scanned.records() + " records, and counts are exact or not "
                    + "given; narrow the window, the range or the selector");
        }
        double seconds = r.range() / 1e9;
        Map<Map<String, String>, Double[]> series = new TreeMap<>(MetricEvaluator::compareLabels);
        bySeries.forEach((labels, samples) -> {
            Double[] values = samples.over(instants, r.range(), bytes);
            if (r.function().equals("rate") || r.function().equals("bytes_rate")) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = values[i] == null ? null : values[i] / seconds;
                }
            }
            series.put(labels, values);
        });
        return new Result(false, series);
    }

    /** One series' record times (epoch nanoseconds) and line sizes, in the order read. */
    private static final class Samples {
        private long[] times = new long[16];
        private long[] sizes = new long[16];
        private int count;

        void add(LogRecord record, long size) {
            if (count == times.length) {
                times = Arrays.copyOf(times, count * 2);
                sizes = Arrays.copyOf(sizes, count * 2);
            }
            times[count] = record.ts() * 1_000_000L;
            sizes[count] = size;
            count++;
        }

        /** The count (or the bytes) of samples in (t - range, t] at each instant; null where none. */
        Double[] over(long[] instants, long range, boolean bytes) {
            Integer[] order = new Integer[count];
            for (int i = 0; i < count; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Long.compare(times[a], times[b]));
            long[] sorted = new long[count];
            long[] prefix = new long[count + 1];
            for (int i = 0; i < count; i++) {
                sorted[i] = times[order[i]];
                prefix[i + 1] = prefix[i] + sizes[order[i]];
            }
            Double[] values = new Double[instants.length];
            for (int i = 0; i < instants.length; i++) {
                int from = upperBound(sorted, instants[i] - range); // first sample after t - range
                int to = upperBound(sorted, instants[i]);           // first sample after t
                if (to > from) {
                    values[i] = (double) (bytes ? prefix[to] - prefix[from] : to - from);
                }
            }
            return values;
        }

        private static int upperBound(long[] sorted, long value) {
            int lo = 0;
            int hi = sorted.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (sorted[mid] <= value) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    private static Result aggregate(LogQlMetric.Aggregation a, Result inner) {
        if (inner.scalar()) {
            throw new LogQlException(a.function() + " takes a vector, not a number");
        }
        Map<Map<String, String>, List<Double[]>> groups = new TreeMap<>(MetricEvaluator::compareLabels);
        inner.series().forEach((labels, values) -> groups.computeIfAbsent(group(labels, a), g -> new ArrayList<>())
                .add(values));
        Map<Map<String, String>, Double[]> out = new TreeMap<>(MetricEvaluator::compareLabels);
        groups.forEach((labels, members) -> {
            int points = members.get(0).length;
            Double[] values = new Double[points];
            for (int i = 0; i < points; i++) {
                values[i] = combine(a.function(), members, i);
            }
            out.put(labels, values);
        });
        return new Result(false, out);
    }

    private static Map<String, String> group(Map<String, String> labels, LogQlMetric.Aggregation a) {
        Map<String, String> kept = new TreeMap<>();
        labels.forEach((name, value) -> {
            if (a.without() != a.labels().contains(name)) {
                kept.put(name, value);
            }
        });
        return kept;
    }

    private static Double combine(String function, List<Double[]> members, int i) {
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int present = 0;
        for (Double[] member : members) {
            Double v = member[i];
            if (v != null) {
                present++;
                sum += v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        if (present == 0) {
            return null;
        }
        return switch (function) {
            case "sum" -> sum;
            case "count" -> (double) present;
            case "min" -> min;
            case "max" -> max;
            default -> sum / present;
        };
    }

    /** Scalar with anything applies to every point; two vectors match on identical label sets. */
    private static Result binary(char op, Result left, Result right) {
        Map<Map<String, String>, Double[]> out = new TreeMap<>(MetricEvaluator::compareLabels);
        if (left.scalar() || right.scalar()) {
            Double[] scalar = (left.scalar() ? left : right).series().values().iterator().next();
            Result vector = left.scalar() ? right : left;
            vector.series().forEach((labels, values) -> {
                Double[] result = new Double[values.length];
                for (int i = 0; i < values.length; i++) {
                    result[i] = values[i] == null ? null : left.scalar() ? apply(op, scalar[i], values[i])
                            : apply(op, values[i], scalar[i]);
                }
                out.put(labels, result);
            });
            return new Result(left.scalar() && right.scalar(), out);
        }
        left.series().forEach((labels, values) -> {
            Double[] other = right.series().get(labels);
            if (other != null) {
                Double[] result = new Double[values.length];
                for (int i = 0; i < values.length; i++) {
                    result[i] = values[i] == null || other[i] == null ? null : apply(op, values[i], other[i]);
                }
                out.put(labels, result);
            }
        });
        return new Result(false, out);
    }

    private static double apply(char op, double a, double b) {
        return switch (op) {
            case '+' -> a + b;
            case '-' -> a - b;
            case '*' -> a * b;
            default -> a / b;
        };
    }

    static int compareLabels(Map<String, String> a, Map<String, String> b) {
        return a.toString().compareTo(b.toString());
    }

    /** A value as Loki prints it ({@code 2}, {@code 0.5}, {@code NaN}, {@code +Inf}), to 15 significant digits. */
    static String format(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        // 15 significant digits, all a double holds exactly: a sum of rates prints 0.8, not 0.8000000000000002
        return new java.math.BigDecimal(value).round(new java.math.MathContext(15)).stripTrailingZeros()
                .toPlainString();
    }
}
