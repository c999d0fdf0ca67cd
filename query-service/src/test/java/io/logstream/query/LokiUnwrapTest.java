package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unwrapped range aggregations on DynamoDB Local: every point of every function is compared with a reference computed
 * here, from the stored records, by other means than the engine's (two-pass variance, quantiles by the textbook
 * definition, the counter's increase summed segment by segment).
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LokiUnwrapTest implements TestPropertyProvider {
    private static final long BASE = 1723060000000L;
    private static final long NS = 1_000_000L;
    private static final int RECORDS = 1440; // one every 250 ms: 360 s
    private static final long START = BASE + 30_000;
    private static final long END = BASE + 360_000;
    private static final long STEP = 10_000;
    private static final long RANGE = 30_000;

    private final ReadsFixture fixture = ReadsFixture.create("unwrap");
    private final List<LogRecord> records = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        Random random = new Random(7);
        LogLevel[] levels = {LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR};
        for (int i = 0; i < RECORDS; i++) {
            long ts = BASE + i * 250L;
            Map<String, Object> attributes = new HashMap<>();
            switch (i % 3) {
                case 0 -> { // api: latency as structured metadata, some missing, some not a number
                    if (i % 33 == 0) {
                        attributes.put("latencyMs", "n/a");
                    } else if (i % 11 != 0) {
                        attributes.put("latencyMs", Math.round(random.nextDouble() * 100_000) / 100.0);
                    }
                    attributes.put("route", "/r" + random.nextInt(3));
                    records.add(new LogRecord("api", levels[random.nextInt(3)], "handled " + i, ts, "id-" + i, null,
                            "host-" + random.nextInt(2), attributes, null));
                }
                case 1 -> { // web: JSON lines a parser reads
                    String line = "{\"latency\":" + random.nextInt(900) + ",\"path\":\"/p" + random.nextInt(2)
                            + "\",\"took\":\"" + (random.nextInt(2000) + 1) + "ms\",\"size\":\""
                            + (random.nextInt(90) + 1) + "KB\"}";
                    records.add(new LogRecord("web", LogLevel.INFO, line, ts, "id-" + i, null, null, Map.of(), null));
                }
                default -> { // ctr: one stream, a counter that resets every 80 records
                    attributes.put("total", (i / 3) % 80 * 3);
                    records.add(new LogRecord("ctr", LogLevel.INFO, "tick " + i, ts, "id-" + i, null, null,
                            attributes, null));
                }
            }
        }
        fixture.store(records);
        for (String service : List.of("api", "web", "ctr")) {
            fixture.catalogue(LedgerKeys.SERVICES_PK, service, BASE);
        }
        fixture.watermark("shardId-000000000000", BASE + 1_000_000, false);
        return fixture.queryProperties();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return ApiClient.get(server.getURI(), path, TestAuth.token());
    }

    private static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private Map<String, Map<Long, Double>> range(String query) throws Exception {
        HttpResponse<String> response = get("/loki/api/v1/query_range?query=" + q(query) + "&start=" + START * NS
                + "&end=" + END * NS + "&step=" + STEP / 1000 + "s");
        assertThat(response.statusCode()).as(query + ": " + response.body()).isEqualTo(200);
        JsonNode body = json.readTree(response.body());
        assertThat(body.path("data").path("resultType").asText()).isEqualTo("matrix");
        Map<String, Map<Long, Double>> out = new TreeMap<>();
        for (JsonNode series : body.path("data").path("result")) {
            Map<Long, Double> points = new TreeMap<>();
            series.path("values").forEach(p -> points.put(p.get(0).asLong(), number(p.get(1).asText())));
            out.put(series.path("metric").toString(), points);
        }
        return out;
    }

    /** A value as Loki prints it: Prometheus's +Inf, -Inf and NaN, or a decimal. */
    private static double number(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    /** A sample: a record's series labels and its value, or null when the record gives none. */
    private record Sample(Map<String, String> labels, double value, LogRecord record) {
    }

    /** At each step, per series, {@code function} of the samples in (t - range, t], in time order. */
    private Map<String, Map<Long, Double>> expected(Function<LogRecord, Sample> sampleOf,
                                                    Function<List<Double>, Double> function) throws Exception {
        Map<String, Map<Long, Double>> out = new TreeMap<>();
        for (long t = START; t <= END; t += STEP) {
            Map<String, List<Double>> window = new TreeMap<>();
            for (LogRecord r : records.stream().sorted(Comparator.comparingLong(LogRecord::ts)).toList()) {
                Sample s = r.ts() > t - RANGE && r.ts() <= t ? sampleOf.apply(r) : null;
                if (s != null) {
                    window.computeIfAbsent(json.writeValueAsString(new TreeMap<>(s.labels())), l -> new ArrayList<>())
                            .add(s.value());
                }
            }
            long at = t / 1000;
            window.forEach((labels, values) -> out.computeIfAbsent(labels, l -> new TreeMap<>())
                    .put(at, function.apply(values)));
        }
        return out;
    }

    private static void assertClose(Map<String, Map<Long, Double>> actual, Map<String, Map<Long, Double>> expected,
                                    String query) {
        assertThat(expected).as(query).isNotEmpty();
        assertThat(actual.keySet()).as(query).isEqualTo(expected.keySet());
        expected.forEach((labels, points) -> {
            assertThat(actual.get(labels).keySet()).as(query + " " + labels).isEqualTo(points.keySet());
            points.forEach((t, value) -> assertThat(actual.get(labels).get(t)).as(query + " " + labels + " at " + t)
                    .isCloseTo(value, org.assertj.core.data.Offset.offset(1e-9 * Math.max(1, Math.abs(value)))));
        });
    }

    private static Map<String, String> stream(LogRecord r) {
        Map<String, String> labels = new TreeMap<>();
        if (r.host() != null) {
            labels.put("host", r.host());
        }
        labels.put("level", r.level().name());
        labels.put("service", r.service());
        return labels;
    }

    /** api's latency sample: stream labels, the value when it is a number; null when missing or not one. */
    private static Sample latency(LogRecord r, Function<LogRecord, Map<String, String>> labels) {
        Object value = r.attributes().get("latencyMs");
        return r.service().equals("api") && value instanceof Number n ? new Sample(labels.apply(r), n.doubleValue(), r)
                : null;
    }

    static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).sum() / values.size();
    }

    static double variance(List<Double> values) {
        double mean = mean(values);
        return values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / values.size();
    }

    /** The quantile by its textbook definition (Hyndman and Fan's 7th): x[h] interpolated at h = (n - 1)q. */
    static double quantile(double q, List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        double h = (sorted.size() - 1) * q;
        int below = (int) Math.floor(h);
        int above = Math.min(below + 1, sorted.size() - 1);
        return sorted.get(below) + (h - below) * (sorted.get(above) - sorted.get(below));
    }

    @Test
    void everyUnwrappedFunctionMatchesTheRecordsAtEveryStep() throws Exception {
        String selector = "{service=\"api\"} | unwrap latencyMs | __error__=\"\"";
        Map<String, Function<List<Double>, Double>> functions = new TreeMap<>(Map.of(
                "sum_over_time", v -> v.stream().mapToDouble(Double::doubleValue).sum(),
                "avg_over_time", LokiUnwrapTest::mean,
                "min_over_time", v -> v.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                "max_over_time", v -> v.stream().mapToDouble(Double::doubleValue).max().orElseThrow(),
                "stdvar_over_time", LokiUnwrapTest::variance,
                "stddev_over_time", v -> Math.sqrt(variance(v)),
                "first_over_time", v -> v.get(0),
                "last_over_time", v -> v.get(v.size() - 1),
                "rate", v -> v.stream().mapToDouble(Double::doubleValue).sum() / (RANGE / 1000.0)));
        for (Map.Entry<String, Function<List<Double>, Double>> f : functions.entrySet()) {
            String query = f.getKey() + "(" + selector + " [30s])";
            assertClose(range(query), expected(r -> latency(r, LokiUnwrapTest::stream), f.getValue()), query);
        }
    }

    @Test
    void aQuantileByRoutePoolsTheGroupsSamplesAsPrometheusInterpolates() throws Exception {
        for (double phi : new double[]{0.5, 0.9, 0.99, 0.0, 1.0}) {
            String query = "quantile_over_time(" + phi + ", {service=\"api\"} | unwrap latencyMs | __error__=\"\" [30s]) "
                    + "by (route)";
            assertClose(range(query), expected(r -> latency(r, x -> Map.of("route", (String) x.attributes()
                    .get("route"))), v -> quantile(phi, v)), query);
        }
        String without = "max_over_time({service=\"api\"} | unwrap latencyMs | __error__=\"\" [30s]) without (host)";
        assertClose(range(without), expected(r -> latency(r, x -> {
            Map<String, String> labels = stream(x);
            labels.remove("host");
            return labels;
        }), v -> v.stream().mapToDouble(Double::doubleValue).max().orElseThrow()), without);
        Map<String, Map<Long, Double>> above = range("quantile_over_time(1.5, " + "{service=\"api\"} | unwrap latencyMs "
                + "| __error__=\"\" [30s]) by (route)");
        assertThat(above).isNotEmpty().allSatisfy((labels, points) -> assertThat(points.values())
                .containsOnly(Double.POSITIVE_INFINITY));
    }

    @Test
    void parsedFieldsUnwrapWithConversionsAndLeaveTheSeriesLabels() throws Exception {
        Function<LogRecord, Map<String, Object>> fields = r -> {
            try {
                return json.readValue(r.message(), Map.class);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        Function<LogRecord, Map<String, String>> parsed = r -> {
            Map<String, String> labels = stream(r);
            fields.apply(r).forEach((k, v) -> labels.put(k, v.toString()));
            return labels;
        };
        String plain = "avg_over_time({service=\"web\"} | json | unwrap latency [30s])";
        assertClose(range(plain), expected(r -> {
            if (!r.service().equals("web")) {
                return null;
            }
            Map<String, String> labels = parsed.apply(r);
            labels.remove("latency");
            return new Sample(labels, ((Number) fields.apply(r).get("latency")).doubleValue(), r);
        }, LokiUnwrapTest::mean), plain);
        String duration = "sum by (path) (sum_over_time({service=\"web\"} | json | unwrap duration(took) [30s]))";
        assertClose(range(duration), expected(r -> r.service().equals("web") ? new Sample(Map.of("path",
                (String) fields.apply(r).get("path")), Double.parseDouble(((String) fields.apply(r).get("took"))
                .replace("ms", "")) / 1000, r) : null, v -> v.stream().mapToDouble(Double::doubleValue).sum()), duration);
        String bytes = "max_over_time({service=\"web\"} | json | unwrap bytes(size) [30s]) by (path)";
        assertClose(range(bytes), expected(r -> r.service().equals("web") ? new Sample(Map.of("path",
                (String) fields.apply(r).get("path")), Double.parseDouble(((String) fields.apply(r).get("size"))
                .replace("KB", "")) * 1000, r) : null, v -> v.stream().mapToDouble(Double::doubleValue).max()
                .orElseThrow()), bytes);
    }

    @Test
    void rateCounterIsPrometheusExtrapolatedRateAcrossResets() throws Exception {
        String query = "rate_counter({service=\"ctr\"} | unwrap total [30s])";
        Map<String, Map<Long, Double>> answer = range(query);
        // the reference: the increase summed pair by pair (a drop is a reset: the counter went on from 0), then
        // Prometheus's extrapolation to the window's edges
        Map<String, Map<Long, Double>> expected = new TreeMap<>();
        for (long t = START; t <= END; t += STEP) {
            long at = t;
            List<LogRecord> in = records.stream().filter(r -> r.service().equals("ctr") && r.ts() > at - RANGE
                    && r.ts() <= at).sorted(Comparator.comparingLong(LogRecord::ts)).toList();
            double increase = 0;
            for (int i = 1; i < in.size(); i++) {
                double before = ((Number) in.get(i - 1).attributes().get("total")).doubleValue();
                double now = ((Number) in.get(i).attributes().get("total")).doubleValue();
                increase += now >= before ? now - before : now;
            }
            double first = ((Number) in.get(0).attributes().get("total")).doubleValue();
            double sampled = (in.get(in.size() - 1).ts() - in.get(0).ts()) / 1000.0;
            double gap = sampled / (in.size() - 1);
            double toStart = Math.min((in.get(0).ts() - (at - RANGE)) / 1000.0, increase > 0 ? sampled * first
                    / increase : Double.MAX_VALUE);
            double toEnd = (at - in.get(in.size() - 1).ts()) / 1000.0;
            double covered = sampled + (toStart < gap * 1.1 ? toStart : gap / 2) + (toEnd < gap * 1.1 ? toEnd : gap / 2);
            expected.computeIfAbsent("{\"level\":\"INFO\",\"service\":\"ctr\"}", l -> new TreeMap<>())
                    .put(at / 1000, increase * covered / sampled / (RANGE / 1000.0));
        }
        assertClose(answer, expected, query);
        // a window with no reset, its samples 750 ms apart and reaching both edges: 3 every 0.75 s is 4 a second
        assertThat(answer.values().iterator().next().get((BASE + 40_000) / 1000)).isCloseTo(4.0,
                org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void absentOverTimeIsOneWhereTheRangeHasNoEntry() throws Exception {
        Map<String, Map<Long, Double>> none = range("absent_over_time({service=\"nope\", level=~\"E.*\"}[30s])");
        Map<Long, Double> everyStep = new TreeMap<>();
        for (long t = START; t <= END; t += STEP) {
            everyStep.put(t / 1000, 1.0);
        }
        assertThat(none).isEqualTo(Map.of("{\"service\":\"nope\"}", everyStep));
        assertThat(range("absent_over_time({service=\"api\"}[30s])")).isEmpty();
        Predicate<LogRecord> timeout = r -> r.service().equals("api") && r.message().endsWith("99");
        Map<Long, Double> gaps = new TreeMap<>();
        for (long t = START; t <= END; t += STEP) {
            long at = t;
            if (records.stream().noneMatch(r -> timeout.test(r) && r.ts() > at - RANGE && r.ts() <= at)) {
                gaps.put(t / 1000, 1.0);
            }
        }
        assertThat(gaps).isNotEmpty().hasSizeLessThan(everyStep.size());
        assertThat(range("absent_over_time({service=\"api\"} |~ \"99$\" [30s])"))
                .isEqualTo(Map.of("{\"service\":\"api\"}", gaps));
    }

    @Test
    void aValueThatIsNotANumberFailsTheQueryUnlessFilteredAndMisuseIsRefused() throws Exception {
        HttpResponse<String> failed = get("/loki/api/v1/query_range?query="
                + q("sum_over_time({service=\"api\"} | unwrap latencyMs [30s])") + "&start=" + START * NS + "&end="
                + END * NS + "&step=10s");
        assertThat(failed.statusCode()).isEqualTo(400);
        assertThat(failed.body()).contains("SampleExtractionErr").contains("n/a");
        Map<String, String> refused = Map.of(
                "sum_over_time({service=\"api\"}[30s])", "takes an unwrapped label",
                "count_over_time({service=\"api\"} | unwrap latencyMs [30s])", "takes no unwrap",
                "sum_over_time({service=\"api\"} | unwrap latencyMs [30s]) by (route)", "grouping is not allowed",
                "sum_over_time({service=\"api\"} | unwrap latencyMs |= \"x\" [30s])", "only label filters",
                "sum_over_time({service=\"api\"} | unwrap seconds(latencyMs) [30s])", "the conversions are",
                "quantile_over_time({service=\"api\"} | unwrap latencyMs [30s])", "takes the quantile first");
        for (Map.Entry<String, String> c : refused.entrySet()) {
            HttpResponse<String> response = get("/loki/api/v1/query_range?query=" + q(c.getKey()));
            assertThat(response.statusCode()).as(c.getKey()).isEqualTo(400);
            assertThat(response.body()).as(c.getKey()).contains(c.getValue());
        }
    }
}
