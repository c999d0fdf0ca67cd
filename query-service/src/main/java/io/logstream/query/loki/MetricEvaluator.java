package io.logstream.query.loki;

import io.logstream.query.logql.LogQl;
import io.logstream.query.logql.LogQlException;
import io.logstream.query.logql.Pipeline;
import io.logstream.query.logql.RangeSeries;

import io.logstream.model.Counts;
import io.logstream.model.LogRecord;
import io.logstream.query.config.ReadSettings;
import io.logstream.query.store.CountReader;
import io.logstream.query.store.Completeness;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.logstream.query.store.ReadBudget;
import io.micronaut.context.BeanProvider;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Evaluates a {@link LogQl.Expr metric expression} at a list of instants, exactly, none of it sampled (docs/counts.md):
 * <ul>
 *   <li>from the consumer's per-minute counts ({@link CountReader}) when a range aggregation has no line filter, its
 *   range is whole minutes and every instant is at a whole minute (bytes only while a Loki line is the message);</li>
 *   <li>otherwise by reading and counting every record it covers, within the request's read budget.</li>
 * </ul>
 * A query that would read past the budget is refused (400) rather than answered with a count that is short. Series
 * without a sample at an instant have no point there, as in Loki. A {@code sum} without {@code host} in its grouping
 * reads only the level counts; anything else that needs the host split reads the host counts too.
 */
@Singleton
public class MetricEvaluator {
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final SelectorReader reader;
    private final LokiEncoder encoder;
    private final CountReader counts;
    private final Completeness completeness;
    private final boolean lineIsMessage;
    private final Counter fromCounts;
    private final Counter fromRecords;
    private final BeanProvider<RecordedSeries> recorded;

    public MetricEvaluator(SelectorReader reader, LokiEncoder encoder, CountReader counts, Completeness completeness,
                           ReadSettings settings, MeterRegistry registry, BeanProvider<RecordedSeries> recorded) {
        this.recorded = recorded;
        this.reader = reader;
        this.encoder = encoder;
        this.counts = counts;
        this.completeness = completeness;
        this.lineIsMessage = settings.lokiLine() == ReadSettings.LokiLine.MESSAGE;
        this.fromCounts = Counter.builder("logstream.query.range.aggregations").tag("source", "counts")
                .description("LogQL range aggregations evaluated, by what they were counted from").register(registry);
        this.fromRecords = Counter.builder("logstream.query.range.aggregations").tag("source", "records")
                .description("LogQL range aggregations evaluated, by what they were counted from").register(registry);
    }

    /** Series (label set to one value per instant, null where absent), or a scalar's one row. */
    public record Result(boolean scalar, Map<Map<String, String>, Double[]> series) {
    }

    /** {@code instants} in epoch nanoseconds, ascending. */
    public Result evaluate(LogQl.Expr expr, long[] instants, @Nullable Authentication auth, ReadBudget budget) {
        if (expr instanceof LogQl.Recorded r) {
            if (!recorded.isPresent()) {
                throw new LogQlException("no recording rule named " + r.name());
            }
            return recorded.get().evaluate(r, instants, auth, budget);
        }
        if (expr instanceof LogQl.Scalar s) {
            return constant(true, s.value(), instants);
        }
        if (expr instanceof LogQl.ConstantVector v) {
            return constant(false, v.value(), instants);
        }
        if (expr instanceof LogQl.RangeAggregation r && r.function().equals("absent_over_time")) {
            LogQl.RangeAggregation counted = new LogQl.RangeAggregation("count_over_time", r.query(), r.range(),
                    r.offset());
            return absent(r, range(counted, shifted(instants, r.offset()), auth, budget, false, List.of()),
                    instants.length);
        }
        if (expr instanceof LogQl.RangeAggregation r) {
            return range(r, shifted(instants, r.offset()), auth, budget, true, List.of());
        }
        if (expr instanceof LogQl.Aggregation a) {
            if (a.inner() instanceof LogQl.RangeAggregation r && !r.function().equals("absent_over_time")) {
                List<String> metadata = a.without() ? List.of() : a.labels().stream()
                        .filter(name -> !LogQl.LABELS.contains(name) && !name.equals("detected_level")).toList();
                boolean hostsSumAway = a.function().equals("sum") && a.without() == a.labels().contains("host");
                if (hostsSumAway || !metadata.isEmpty()) {
                    return aggregate(a, range(r, shifted(instants, r.offset()), auth, budget, !hostsSumAway,
                            metadata));
                }
            }
            return aggregate(a, evaluate(a.inner(), instants, auth, budget));
        }
        if (expr instanceof LogQl.Comparison c) {
            return compare(c, evaluate(c.left(), instants, auth, budget), evaluate(c.right(), instants, auth, budget),
                    instants.length);
        }
        if (expr instanceof LogQl.SetOperation op) {
            Result left = evaluate(op.left(), instants, auth, budget);
            Result right = evaluate(op.right(), instants, auth, budget);
            return new Result(false, VectorMatching.set(op.op(), left.series(), right.series(), op.matching(),
                    instants.length));
        }
        if (expr instanceof LogQl.LabelReplace r) {
            return new Result(false, VectorMatching.labelReplace(r, evaluate(r.inner(), instants, auth, budget)
                    .series()));
        }
        if (expr instanceof LogQl.ScalarOf s) {
            Map<Map<String, String>, Double[]> one = new LinkedHashMap<>();
            one.put(Map.of(), VectorMatching.scalar(evaluate(s.inner(), instants, auth, budget).series(),
                    instants.length));
            return new Result(true, one);
        }
        if (expr instanceof LogQl.TopK t) {
            return topK(t, evaluate(t.inner(), instants, auth, budget));
        }
        if (expr instanceof LogQl.Sort s) {
            return sort(s.descending(), evaluate(s.inner(), instants, auth, budget));
        }
        LogQl.Binary b = (LogQl.Binary) expr;
        return pointwise(evaluate(b.left(), instants, auth, budget), evaluate(b.right(), instants, auth, budget),
                b.matching(), instants.length, (x, y) -> apply(b.op(), x, y));
    }

    /** The instants an offset range aggregation is evaluated at: each one {@code offset} earlier, same order. */
    private static long[] shifted(long[] instants, long offset) {
        if (offset == 0) {
            return instants;
        }
        long[] earlier = new long[instants.length];
        for (int i = 0; i < instants.length; i++) {
            earlier[i] = instants[i] - offset;
        }
        return earlier;
    }

    private static Result constant(boolean scalar, double value, long[] instants) {
        Double[] values = new Double[instants.length];
        Arrays.fill(values, value);
        Map<Map<String, String>, Double[]> series = new LinkedHashMap<>();
        series.put(Map.of(), values);
        return new Result(scalar, series);
    }

    /**
     * One series per label set; at each instant t the records in (t - range, t]. {@code byHost} false lets the series
     * merge hosts (for a sum that drops them). {@code metadata} names structured metadata an aggregation groups by
     * ({@code sum by (status) (...)}): each record's series takes those labels from its metadata too (where a stage did
     * not set them), so such a grouping reads the records.
     */
    private Result range(LogQl.RangeAggregation r, long[] instants, @Nullable Authentication auth,
                         ReadBudget budget, boolean byHost, List<String> metadata) {
        if (metadata.isEmpty() && countable(r, instants)) {
            fromCounts.increment();
            return fromCounts(r, instants, auth, budget, byHost);
        }
        fromRecords.increment();
        boolean bytes = r.function().startsWith("bytes");
        LogQl.Unwrap unwrap = r.unwrap();
        Map<Map<String, String>, RangeSeries> bySeries = new java.util.concurrent.ConcurrentHashMap<>();
        long first = instants[0] - r.range();
        long last = instants[instants.length - 1];
        LogQl.Query query = r.query();
        SelectorReader.Scanned scanned = reader.scan(reader.services(query.matchers(), auth),
                SelectorReader.levels(query.matchers()), LokiTime.fromMillis(first + 1), LokiTime.toMillis(last + 1),
                encoder.lineFilter(query), budget, record -> {
                    Pipeline.Entry entry = encoder.entry(record);
                    Map<String, String> labels = seriesLabels(record, query, entry); // the pipeline, once a record
                    if (labels != null && !metadata.isEmpty()) {
                        labels = withMetadata(labels, metadata, record);
                    }
                    if (labels != null) {
                        double value = unwrap != null ? entry.sample() : bytes ? LokiEncoder.bytes(entry.line()) : 1;
                        bySeries.computeIfAbsent(grouped(labels, r, unwrap, record), l -> new RangeSeries())
                                .add(record.ts() * NANOS_PER_MILLI, value, record.service() + record.sortKey());
                    }
                });
        if (scanned.truncated()) {
            throw new LogQlException("the metric query would read more than this request's budget ("
                    + (budget.exhausted() == ReadBudget.Cause.DEADLINE ? "its deadline" : budget.maxPages()
                    + " DynamoDB pages") + ") after " + scanned.records() + " records, and counts are exact or not "
                    + "given; narrow the window, the range or the selector");
        }
        Map<Map<String, String>, Double[]> series = new TreeMap<>(MetricEvaluator::compareLabels);
        String function = r.function().equals("absent_over_time") ? "count_over_time" : r.function();
        bySeries.forEach((labels, samples) -> series.put(labels, samples.over(instants, r.range(), function,
                r.parameter())));
        return new Result(false, series);
    }

    /**
     * The series an unwrapped sample joins, as in Loki: its labels without the unwrapped one, or with a grouping
     * ({@code quantile_over_time(...) by (route)}) the grouping's, taken from its labels or else its structured
     * metadata; samples of one group are aggregated together.
     */
    private static Map<String, String> grouped(Map<String, String> labels, LogQl.RangeAggregation r,
                                               LogQl.Unwrap unwrap, LogRecord record) {
        if (unwrap == null) {
            return labels;
        }
        LogQl.Grouping grouping = r.grouping();
        Map<String, String> kept = new TreeMap<>(labels);
        if (grouping == null || grouping.without()) {
            kept.remove(unwrap.label());
            if (grouping != null) {
                kept.keySet().removeAll(grouping.labels());
            }
            return kept;
        }
        kept.keySet().retainAll(grouping.labels());
        if (kept.size() < grouping.labels().size()) {
            Map<String, String> metadata = LokiEncoder.metadataOf(record);
            grouping.labels().stream().filter(name -> !kept.containsKey(name) && metadata.containsKey(name)
                    && !metadata.get(name).isEmpty()).forEach(name -> kept.put(name, metadata.get(name)));
        }
        return kept;
    }

    private static Map<String, String> withMetadata(Map<String, String> labels, List<String> names, LogRecord record) {
        Map<String, String> metadata = LokiEncoder.metadataOf(record);
        Map<String, String> out = new TreeMap<>(labels);
        for (String name : names) {
            String value = metadata.get(name);
            if (!out.containsKey(name) && value != null && !value.isEmpty()) {
                out.put(name, value);
            }
        }
        return out;
    }

    /**
     * absent_over_time as Prometheus's: 1 at each instant where the range has no entry at all, with the selector's
     * equality matchers as labels; no series when every instant has one.
     */
    private static Result absent(LogQl.RangeAggregation r, Result counted, int points) {
        Double[] values = new Double[points];
        for (int i = 0; i < points; i++) {
            int at = i;
            values[i] = counted.series().values().stream().anyMatch(v -> v[at] != null) ? null : 1.0;
        }
        Map<String, String> labels = new TreeMap<>();
        r.query().matchers().stream().filter(m -> m.op() == LogQl.Op.EQ).forEach(m -> labels.put(m.label(), m.value()));
        Map<Map<String, String>, Double[]> series = new TreeMap<>(MetricEvaluator::compareLabels);
        series.put(labels, values);
        return withoutEmpty(new Result(false, series));
    }

    /**
     * A record's series: its labels after the pipeline, or null when a stage drops it. A record a parser or a numeric
     * filter could not read makes the query fail, as in Loki, rather than count under an error label;
     * {@code | __error__=""} leaves such records out.
     */
    private Map<String, String> seriesLabels(LogRecord record, LogQl.Query query, Pipeline.Entry entry) {
        Map<String, String> labels = encoder.labels(record, query, entry);
        if (labels == null) {
            return null; // a stage dropped it
        }
        String error = labels.get(Pipeline.ERROR);
        if (error != null) {
            throw new LogQlException("pipeline error: " + error + " (" + labels.getOrDefault(Pipeline.ERROR_DETAILS, "")
                    + ") for a record at " + java.time.Instant.ofEpochMilli(record.ts()) + "; add | __error__=\"\" "
                    + "after the stage to leave such records out");
        }
        return labels;
    }

    /**
     * Whether the consumer's counts alone answer the expression exactly at every minute-aligned instant: each of its
     * range aggregations counts records or bytes by service, level and host over whole minutes, with no line filter,
     * parser or stage, and no aggregation groups by structured metadata. Such an expression needs no evaluation to be
     * recorded: the counts are kept at ingest, exactly and replay-safely, and answer it at any past instant.
     */
    public boolean countable(LogQl.Expr expr) {
        return !groupsByMetadata(expr) && LogQl.rangeAggregations(expr).stream()
                .allMatch(r -> !r.function().equals("absent_over_time") && countable(r, new long[0]));
    }

    private static boolean groupsByMetadata(LogQl.Expr expr) {
        if (expr instanceof LogQl.Aggregation a) {
            return !a.without() && a.labels().stream().anyMatch(name -> !LogQl.LABELS.contains(name))
                    || groupsByMetadata(a.inner());
        }
        if (expr instanceof LogQl.Binary b) {
            return groupsByMetadata(b.left()) || groupsByMetadata(b.right());
        }
        if (expr instanceof LogQl.Comparison c) {
            return groupsByMetadata(c.left()) || groupsByMetadata(c.right());
        }
        if (expr instanceof LogQl.SetOperation o) {
            return groupsByMetadata(o.left()) || groupsByMetadata(o.right());
        }
        return expr instanceof LogQl.TopK t ? groupsByMetadata(t.inner())
                : expr instanceof LogQl.Sort o ? groupsByMetadata(o.inner())
                : expr instanceof LogQl.LabelReplace l ? groupsByMetadata(l.inner())
                : expr instanceof LogQl.ScalarOf o && groupsByMetadata(o.inner());
    }

    /** Whether the counts answer the range aggregation exactly at these instants. */
    private boolean countable(LogQl.RangeAggregation r, long[] instants) {
        if (!r.query().filters().isEmpty() || !r.query().pipeline().isEmpty() || (r.function().startsWith("bytes") && !lineIsMessage)
                || r.range() % (Counts.MINUTE_MILLIS * NANOS_PER_MILLI) != 0) {
            return false;
        }
        for (long t : instants) {
            if (Math.floorMod(Math.floorDiv(t, NANOS_PER_MILLI), Counts.MINUTE_MILLIS) != 0) {
                return false;
            }
        }
        return completeness.countedUntil().isPresent();
    }

    private Result fromCounts(LogQl.RangeAggregation r, long[] instants, @Nullable Authentication auth,
                              ReadBudget budget, boolean byHost) {
        boolean bytes = r.function().startsWith("bytes");
        long rangeMinutes = r.range() / NANOS_PER_MILLI / Counts.MINUTE_MILLIS;
        long first = Math.floorDiv(instants[0], NANOS_PER_MILLI);
        long last = Math.floorDiv(instants[instants.length - 1], NANOS_PER_MILLI);
        CountReader.Span span = new CountReader.Span(first - (rangeMinutes - 1) * Counts.MINUTE_MILLIS, last);
        List<LogQl.Matcher> onHost = r.query().matchers().stream().filter(m -> m.label().equals("host")).toList();
        java.util.function.Predicate<String> host = onHost.isEmpty() ? null
                : name -> onHost.stream().allMatch(m -> m.test(name));
        List<CountReader.Series> read;
        try {
            read = counts.read(reader.services(r.query().matchers(), auth), SelectorReader.levels(r.query().matchers()),
                    host, byHost, span, budget);
        } catch (CountReader.BudgetSpent e) {
            throw new LogQlException("the metric query would read more than this request's budget ("
                    + (budget.exhausted() == ReadBudget.Cause.DEADLINE ? "its deadline" : budget.maxPages()
                    + " DynamoDB pages") + ") of counts; narrow the window or the selector");
        }
        double seconds = r.range() / 1e9;
        boolean perSecond = r.function().equals("rate") || r.function().equals("bytes_rate");
        Map<Map<String, String>, Double[]> series = new TreeMap<>(MetricEvaluator::compareLabels);
        for (CountReader.Series one : read) {
            Double[] values = new Double[instants.length];
            for (int i = 0; i < instants.length; i++) {
                long through = Math.floorDiv(instants[i], NANOS_PER_MILLI);
                long[] window = one.between(through - rangeMinutes * Counts.MINUTE_MILLIS, through);
                if (window[0] > 0) {
                    double value = bytes ? window[1] : window[0];
                    values[i] = perSecond ? value / seconds : value;
                }
            }
            series.merge(one.labels(), values, MetricEvaluator::plus);
        }
        return new Result(false, series);
    }

    private static Double[] plus(Double[] a, Double[] b) {
        Double[] sum = new Double[a.length];
        for (int i = 0; i < a.length; i++) {
            sum[i] = a[i] == null ? b[i] : b[i] == null ? a[i] : a[i] + b[i];
        }
        return sum;
    }

    private static Result aggregate(LogQl.Aggregation a, Result inner) {
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

    private static Map<String, String> group(Map<String, String> labels, LogQl.Aggregation a) {
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

    /**
     * A comparison as PromQL's: a filter keeping the vector's value (the left one between two vectors) where it holds;
     * with {@code bool} 1 or 0 wherever both sides have a value.
     */
    private static Result compare(LogQl.Comparison c, Result left, Result right, int points) {
        boolean keepRight = left.scalar() && !right.scalar();
        return withoutEmpty(pointwise(left, right, c.matching(), points, (a, b) -> kept(c.bool(),
                LogQl.holds(c.op(), a, b), keepRight ? b : a)));
    }

    /**
     * {@code point(left, right)} wherever both sides have a value: a number applies to every point of the other side;
     * two vectors match as {@link VectorMatching} says; a null point is no point.
     */
    private static Result pointwise(Result left, Result right, LogQl.Matching matching, int points,
                                    java.util.function.BinaryOperator<Double> point) {
        boolean withNumber = left.scalar() || right.scalar();
        if (!withNumber) {
            return new Result(false, VectorMatching.binary(left.series(), right.series(), matching, points, point));
        }
        Map<Map<String, String>, Double[]> out = new TreeMap<>(MetricEvaluator::compareLabels);
        Double[] number = (left.scalar() ? left : right).series().values().iterator().next();
        Result vector = left.scalar() ? right : left;
        vector.series().forEach((labels, values) -> {
            Double[] result = new Double[values.length];
            for (int i = 0; i < values.length; i++) {
                if (values[i] != null && number[i] != null) {
                    result[i] = left.scalar() ? point.apply(number[i], values[i])
                            : point.apply(values[i], number[i]);
                }
            }
            out.put(labels, result);
        });
        return new Result(left.scalar() && right.scalar(), out);
    }

    /** A comparison's point: 1 or 0 with bool, else the value where it holds and none where not. */
    private static Double kept(boolean bool, boolean held, Double value) {
        if (bool) {
            return held ? 1.0 : 0.0;
        }
        return held ? value : null;
    }

    /**
     * topk/bottomk as PromQL's: at each instant, in each group, the k largest (smallest) values; a series out of them
     * has no point there. Ties go to the series first in label order. The series come out by their value at the last
     * instant, largest first for topk (an instant query's order).
     */
    private static Result topK(LogQl.TopK t, Result inner) {
        LogQl.Aggregation grouping = new LogQl.Aggregation("topk", t.labels(), t.without(), t.inner());
        Map<Map<String, String>, List<Map.Entry<Map<String, String>, Double[]>>> groups =
                new TreeMap<>(MetricEvaluator::compareLabels);
        inner.series().entrySet().forEach(e -> groups.computeIfAbsent(group(e.getKey(), grouping),
                g -> new ArrayList<>()).add(e));
        Map<Map<String, String>, Double[]> out = new TreeMap<>(MetricEvaluator::compareLabels);
        int points = inner.series().isEmpty() ? 0 : inner.series().values().iterator().next().length;
        groups.values().forEach(members -> {
            Map<Map<String, String>, Double[]> kept = new LinkedHashMap<>();
            members.forEach(e -> kept.put(e.getKey(), new Double[points]));
            for (int i = 0; i < points; i++) {
                int at = i;
                members.stream().filter(e -> e.getValue()[at] != null)
                        .sorted((a, b) -> t.top() ? Double.compare(b.getValue()[at], a.getValue()[at])
                                : Double.compare(a.getValue()[at], b.getValue()[at]))
                        .limit(t.k()).forEach(e -> kept.get(e.getKey())[at] = e.getValue()[at]);
            }
            out.putAll(kept);
        });
        return sort(t.top(), withoutEmpty(new Result(false, out)));
    }

    /** The series ordered by their value at the last instant (where they have none, last), then by labels. */
    private static Result sort(boolean descending, Result inner) {
        Map<Map<String, String>, Double[]> out = new LinkedHashMap<>();
        inner.series().entrySet().stream().sorted((a, b) -> {
            Double x = a.getValue()[a.getValue().length - 1];
            Double y = b.getValue()[b.getValue().length - 1];
            if (x == null || y == null) {
                return x == null ? (y == null ? 0 : 1) : -1;
            }
            return descending ? Double.compare(y, x) : Double.compare(x, y);
        }).forEach(e -> out.put(e.getKey(), e.getValue()));
        return new Result(inner.scalar(), out);
    }

    /** Without the series that have no point left (a filter took them all). */
    private static Result withoutEmpty(Result result) {
        if (result.scalar()) {
            return result;
        }
        Map<Map<String, String>, Double[]> out = result.series() instanceof TreeMap
                ? new TreeMap<>(MetricEvaluator::compareLabels) : new LinkedHashMap<>();
        result.series().forEach((labels, values) -> {
            if (Arrays.stream(values).anyMatch(java.util.Objects::nonNull)) {
                out.put(labels, values);
            }
        });
        return new Result(false, out);
    }

    private static double apply(char op, double a, double b) {
        return switch (op) {
            case '+' -> a + b;
            case '-' -> a - b;
            case '*' -> a * b;
            case '%' -> a % b; // the sign of a, as Go's math.Mod in PromQL
            case '^' -> Math.pow(a, b);
            default -> a / b;
        };
    }

    static int compareLabels(Map<String, String> a, Map<String, String> b) {
        return a.toString().compareTo(b.toString());
    }

    /** A value as Loki prints it ({@code 2}, {@code 0.5}, {@code NaN}, {@code +Inf}), to 15 significant digits. */
    public static String format(double value) {
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
