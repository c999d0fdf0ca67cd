package io.logstream.query.loki;

import io.logstream.query.logql.LogQl;
import io.logstream.query.logql.LogQlParser;
import io.logstream.query.logql.LogQlException;
import io.logstream.query.logql.LogQl;

import io.logstream.model.LedgerKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.config.ReadSettings;
import io.logstream.query.store.Catalogue;
import io.logstream.query.store.Direction;
import io.logstream.query.store.ReadBudget;
import io.logstream.query.store.ReadBudgets;
import io.logstream.query.security.ServiceAccess;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Runs the Loki API's requests against the store: log queries, metric queries, series, label values, and the index
 * and drilldown calls Grafana makes. Takes parsed requests ({@link LokiParams}), answers typed
 * {@link LokiResponses}; knows nothing of HTTP. Every call spends one {@link ReadBudget}, and reads only the
 * services the token may read.
 */
@Singleton
public class LokiReads {
    private static final List<String> LABELS = List.of("host", "level", "service");
    /** How many records the drilldown calls sample for detected fields, as Loki's line limit. */
    private static final int DETECTION_RECORDS = 1000;

    private final SelectorReader reader;
    private final MetricEvaluator metrics;
    private final LokiEncoder encoder;
    private final Catalogue catalogue;
    private final ServiceAccess access;
    private final ReadBudgets budgets;
    private final ReadSettings settings;

    public LokiReads(SelectorReader reader, MetricEvaluator metrics, LokiEncoder encoder, Catalogue catalogue,
                     ServiceAccess access, ReadBudgets budgets, ReadSettings settings) {
        this.reader = reader;
        this.metrics = metrics;
        this.encoder = encoder;
        this.catalogue = catalogue;
        this.access = access;
        this.budgets = budgets;
        this.settings = settings;
    }

    /** The query of {@code range}, parsed once: a log query or a metric expression (checked for access first). */
    public LogQl.Statement parse(LokiParams.Range range, @Nullable Authentication auth) {
        access.checkReadsAnything(auth);
        return LogQlParser.parse(range.query());
    }

    /** A log query's streams, or a metric query's vector (instant) or matrix (range). */
    public LokiResponses.Success<?> query(LokiParams.Range range, LogQl.Statement statement, boolean instant,
                                          @Nullable Authentication auth) {
        return query(range, statement, instant, auth, false);
    }

    /** As above; {@code categorize} is Grafana's {@code categorize-labels} encoding of a log query's labels. */
    public LokiResponses.Success<?> query(LokiParams.Range range, LogQl.Statement statement, boolean instant,
                                          @Nullable Authentication auth, boolean categorize) {
        access.checkReadsAnything(auth);
        if (statement instanceof LogQl.Query query) {
            return logs(range, query, auth, categorize);
        }
        LogQl.Expr expr = (LogQl.Expr) statement;
        long at = range.end() - 1; // an instant query's time; Loki's end is exclusive, the instant is not
        // a range metric query's instants run from start to end, both included, as in Loki
        long[] instants = instant ? new long[]{at} : instants(range.start(), range.end(), range.step());
        MetricEvaluator.Result result = metrics.evaluate(expr, instants, auth, budgets.start());
        return LokiResponses.Success.of(instant ? vector(result, at) : matrix(result, instants));
    }

    private LokiResponses.Success<LokiResponses.StreamsData> logs(LokiParams.Range range, LogQl.Query query,
                                                                 @Nullable Authentication auth, boolean categorize) {
        long began = System.nanoTime();
        ReadBudget budget = budgets.start();
        LokiEncoder.Pass pass = encoder.pass(query); // the pipeline runs once a record: the answer reuses its outcome
        SelectorReader.Result result = read(query, range.start(), range.end(), range.direction(), range.limit(), auth,
                budget, pass);
        List<LokiResponses.Stream> streams = encoder.streams(result.records(), query, categorize, pass);
        long bytes = 0;
        for (LokiResponses.Stream stream : streams) {
            for (List<Object> entry : stream.values()) {
                bytes += ((String) entry.get(1)).getBytes(StandardCharsets.UTF_8).length;
            }
        }
        LokiResponses.Summary summary = new LokiResponses.Summary((System.nanoTime() - began) / 1e9, 0,
                result.records().size(), result.recordsRead(), bytes);
        return LokiResponses.Success.of(new LokiResponses.StreamsData(streams, new LokiResponses.Stats(summary),
                categorize),
                result.truncated() ? List.of(budgetWarning(budget)) : List.of());
    }

    /** The label sets with records in the window, from a bounded read of the matching services. */
    public LokiResponses.Success<List<Map<String, String>>> series(LokiParams.SeriesRange range,
                                                                  @Nullable Authentication auth) {
        access.checkReadsAnything(auth);
        List<LogQl.Query> parsed = range.selectors().stream()
                .map(selector -> new LogQl.Query(LogQlParser.parseSelector(selector), List.of())).toList();
        Set<Map<String, String>> series = new LinkedHashSet<>();
        boolean capped = false;
        ReadBudget budget = budgets.start();
        for (LogQl.Query selector : parsed) {
            SelectorReader.Result result = read(selector, range.start(), range.end(), Direction.BACKWARD,
                    settings.lokiMaxEntries(), auth, budget);
            capped |= result.records().size() == settings.lokiMaxEntries();
            result.records().forEach(record -> series.add(LokiEncoder.labelsOf(record)));
            if (result.truncated()) {
                break;
            }
        }
        List<String> warnings = new ArrayList<>();
        if (capped) {
            warnings.add("series were collected from the newest " + settings.lokiMaxEntries()
                    + " records of each selector; narrow the window for all of them");
        }
        if (budget.exhausted() != null) {
            warnings.add(budgetWarning(budget));
        }
        return LokiResponses.Success.of(new ArrayList<>(series), warnings);
    }

    public LokiResponses.Success<List<String>> labels() {
        return LokiResponses.Success.of(LABELS);
    }

    /** Label values: services and hosts from the catalogue (of the services the token may read), the six levels. */
    public LokiResponses.Success<List<String>> labelValues(String name, @Nullable String query,
                                                           @Nullable Authentication auth) {
        return LokiResponses.Success.of(List.copyOf(values(name, query, auth)));
    }

    private Set<String> values(String name, @Nullable String query, @Nullable Authentication auth) {
        if (query != null) {
            access.checkReadsAnything(auth);
        }
        Set<String> scope = query == null ? null : new TreeSet<>(reader.services(LogQlParser.parseSelector(query), auth));
        Set<String> values = new TreeSet<>();
        switch (name) {
            case "service" -> catalogue.services().stream().map(Catalogue.Entry::name)
                    .filter(s -> access.allows(auth, s) && (scope == null || scope.contains(s))).forEach(values::add);
            case "host" -> catalogue.hosts().forEach(entry -> {
                LedgerKeys.HostKey key = LedgerKeys.splitHostKey(entry.name());
                if (access.allows(auth, key.service()) && (scope == null || scope.contains(key.service()))) {
                    values.add(key.host());
                }
            });
            case "level" -> {
                for (LogLevel level : LogLevel.values()) {
                    values.add(level.name());
                }
            }
            default -> {
                // no other label exists: no values, as Loki answers for an unknown label
            }
        }
        return values;
    }

    /** {@code index/stats}: streams, entries and bytes of a selector over the window, counted exactly. */
    public LokiResponses.IndexStats stats(LokiParams.Range range, @Nullable Authentication auth) {
        access.checkReadsAnything(auth);
        LogQl.Query query = LogQlParser.parseLog(range.query());
        Set<Map<String, String>> streams = java.util.concurrent.ConcurrentHashMap.newKeySet(); // segments add at once
        java.util.concurrent.atomic.LongAdder bytes = new java.util.concurrent.atomic.LongAdder();
        java.util.concurrent.atomic.LongAdder entries = new java.util.concurrent.atomic.LongAdder();
        ReadBudget budget = budgets.start();
        SelectorReader.Scanned scanned = reader.scan(reader.services(query.matchers(), auth),
                SelectorReader.levels(query.matchers()), LokiTime.fromMillis(range.start()),
                LokiTime.toMillis(range.end()), encoder.lineFilter(query), budget, record -> {
                    Map<String, String> labels = encoder.labels(record, query); // the pipeline, run once a record
                    if (labels != null) {
                        streams.add(labels);
                        entries.increment();
                        bytes.add(encoder.lineBytes(record));
                    }
                });
        if (scanned.truncated()) {
            throw new LogQlException("index/stats would read more than this request's budget; narrow the window");
        }
        return new LokiResponses.IndexStats(streams.size(), streams.size(), entries.sum(), bytes.sum());
    }

    /**
     * {@code index/volume} (one point at the end) and {@code index/volume_range} (one per step): the bytes of the
     * selector's lines, summed by {@code targetLabels} (default every label), largest first, at most {@code limit}.
     */
    public LokiResponses.Success<?> volume(LokiParams.Range range, @Nullable String targetLabels, int limit,
                                          boolean overRange, @Nullable Authentication auth) {
        access.checkReadsAnything(auth);
        LogQl.Query query = LogQlParser.parseLog(range.query());
        List<String> by = targetLabels == null || targetLabels.isBlank() ? LABELS
                : List.of(targetLabels.split("\\s*,\\s*"));
        long window = overRange ? range.step() : range.end() - range.start();
        LogQl.Expr expr = new LogQl.Aggregation("sum", by, false,
                new LogQl.RangeAggregation("bytes_over_time", query, window));
        // at whole minutes the counts answer, over (start, end] as a metric query's windows; else [start, end)
        long minute = 60_000_000_000L;
        boolean minutes = range.start() % minute == 0 && range.end() % minute == 0 && window % minute == 0
                && window > 0 && range.end() - range.start() >= window;
        long[] instants = overRange ? instants(minutes ? range.start() + window : range.start(),
                minutes ? range.end() : range.end() - 1, range.step())
                : new long[]{minutes ? range.end() : range.end() - 1};
        MetricEvaluator.Result result = metrics.evaluate(expr, instants, auth, budgets.start());
        Map<Map<String, String>, Double[]> top = new TreeMap<>(MetricEvaluator::compareLabels);
        result.series().entrySet().stream()
                .sorted(Comparator.comparingDouble((Map.Entry<Map<String, String>, Double[]> e) -> -total(e.getValue())))
                .limit(limit).forEach(e -> top.put(e.getKey(), e.getValue()));
        MetricEvaluator.Result limited = new MetricEvaluator.Result(false, top);
        return LokiResponses.Success.of(overRange ? matrix(limited, instants) : vector(limited, instants[0]));
    }

    /**
     * {@code detected_fields}: the attribute names of the newest records of the query (up to 1,000), each with its
     * type and the number of distinct values seen. They are structured metadata to Grafana (no parser).
     */
    public LokiResponses.DetectedFields detectedFields(LokiParams.Range range, int limit,
                                                       @Nullable Authentication auth) {
        Map<String, Set<Object>> values = sampleAttributes(range, auth);
        List<LokiResponses.DetectedField> fields = new ArrayList<>();
        values.forEach((name, seen) -> fields.add(new LokiResponses.DetectedField(name, type(seen), seen.size(),
                List.of())));
        return new LokiResponses.DetectedFields(fields.stream().limit(limit).toList(), limit);
    }

    /** {@code detected_field/{name}/values}: the distinct values of one attribute in the same sample. */
    public LokiResponses.FieldValues fieldValues(String name, LokiParams.Range range, int limit,
                                                 @Nullable Authentication auth) {
        Set<Object> seen = sampleAttributes(range, auth).getOrDefault(name, Set.of());
        return new LokiResponses.FieldValues(seen.stream().map(String::valueOf).sorted().limit(limit).toList(), limit);
    }

    /** {@code detected_labels}: each label and how many values it has for the query's services. */
    public LokiResponses.DetectedLabels detectedLabels(@Nullable String query, @Nullable Authentication auth) {
        String selector = query == null || query.isBlank() ? "{}" : query;
        List<LokiResponses.DetectedLabel> labels = new ArrayList<>();
        for (String label : LABELS) {
            labels.add(new LokiResponses.DetectedLabel(label, values(label, selector, auth).size()));
        }
        return new LokiResponses.DetectedLabels(labels);
    }

    private Map<String, Set<Object>> sampleAttributes(LokiParams.Range range, @Nullable Authentication auth) {
        access.checkReadsAnything(auth);
        LogQl.Query query = LogQlParser.parseLog(range.query());
        SelectorReader.Result result = read(query, range.start(), range.end(), Direction.BACKWARD, DETECTION_RECORDS,
                auth, budgets.start());
        Map<String, Set<Object>> values = new TreeMap<>();
        for (LogRecord record : result.records()) {
            record.attributes().forEach((name, value) -> {
                if (value != null && !(value instanceof Map) && !(value instanceof List)) {
                    values.computeIfAbsent(name, n -> new HashSet<>()).add(value);
                }
            });
        }
        return values;
    }

    /** The first {@code limit} records of a log query over [{@code start}, {@code end}) (epoch nanoseconds). */
    private SelectorReader.Result read(LogQl.Query query, long start, long end, Direction direction, int limit,
                                       @Nullable Authentication auth, ReadBudget budget) {
        return read(query, start, end, direction, limit, auth, budget, encoder.filter(query));
    }

    private SelectorReader.Result read(LogQl.Query query, long start, long end, Direction direction, int limit,
                                       @Nullable Authentication auth, ReadBudget budget,
                                       java.util.function.Predicate<LogRecord> filter) {
        return reader.read(reader.services(query.matchers(), auth), SelectorReader.levels(query.matchers()),
                LokiTime.fromMillis(start), LokiTime.toMillis(end), direction, limit, filter, budget);
    }

    private static String type(Set<Object> values) {
        if (values.stream().allMatch(Boolean.class::isInstance)) {
            return "boolean";
        }
        if (values.stream().allMatch(v -> v instanceof Integer || v instanceof Long
                || v instanceof java.math.BigInteger)) {
            return "int";
        }
        if (values.stream().allMatch(Number.class::isInstance)) {
            return "float";
        }
        return "string";
    }

    private static double total(Double[] values) {
        double sum = 0;
        for (Double v : values) {
            sum += v == null ? 0 : v;
        }
        return sum;
    }

    /** {@code start}, {@code start + step}, ... up to {@code end} inclusive. */
    static long[] instants(long start, long end, long step) {
        int points = (int) ((end - start) / step) + 1;
        long[] instants = new long[points];
        for (int i = 0; i < points; i++) {
            instants[i] = start + i * step;
        }
        return instants;
    }

    private static Object vector(MetricEvaluator.Result result, long at) {
        if (result.scalar()) {
            Double value = result.series().values().iterator().next()[0];
            return new LokiResponses.ScalarData(List.of(LokiResponses.seconds(at), MetricEvaluator.format(value)));
        }
        List<LokiResponses.Sample> samples = new ArrayList<>();
        result.series().forEach((labels, values) -> {
            if (values[0] != null) {
                samples.add(new LokiResponses.Sample(labels, List.of(LokiResponses.seconds(at),
                        MetricEvaluator.format(values[0]))));
            }
        });
        return new LokiResponses.VectorData(samples);
    }

    private static Object matrix(MetricEvaluator.Result result, long[] instants) {
        List<LokiResponses.Series> series = new ArrayList<>();
        result.series().forEach((labels, values) -> {
            List<List<Object>> points = new ArrayList<>();
            for (int i = 0; i < instants.length; i++) {
                if (values[i] != null) {
                    points.add(List.of(LokiResponses.seconds(instants[i]), MetricEvaluator.format(values[i])));
                }
            }
            if (!points.isEmpty()) {
                series.add(new LokiResponses.Series(labels, points));
            }
        });
        return new LokiResponses.MatrixData(series);
    }

    static String budgetWarning(ReadBudget budget) {
        return (budget.exhausted() == ReadBudget.Cause.DEADLINE ? "the answer stopped at the request deadline"
                : "the answer stopped after " + budget.maxPages() + " DynamoDB pages")
                + "; it holds the first records in order, narrow the query or the window for the rest";
    }
}
