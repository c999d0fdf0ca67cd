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

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loki's metric queries and the index and drilldown calls Grafana makes, on DynamoDB Local: every count, rate and
 * byte total is compared with what the stored records say it must be, point by point.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LokiMetricsTest implements TestPropertyProvider {
    private static final long BASE = 1723050000000L;
    private static final long NS = 1_000_000L;

    private final ReadsFixture fixture = ReadsFixture.create("metrics");
    private final List<LogRecord> records = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        LogLevel[] levels = LogLevel.values();
        for (int i = 0; i < 400; i++) {
            String service = i % 4 == 0 ? "web" : "api";
            String message = (i % 5 == 0 ? "timeout calling db " : "handled request ") + i;
            records.add(new LogRecord(service, levels[i % levels.length], message, BASE + i * 250L, "id-" + i, null,
                    i % 3 == 0 ? null : "host-" + (i % 3),
                    Map.of("status", i % 2 == 0 ? 200 : 500, "route", "/r" + i % 3, "cached", i % 7 == 0), null));
        }
        fixture.store(records);
        fixture.catalogue(LedgerKeys.SERVICES_PK, "api", BASE);
        fixture.catalogue(LedgerKeys.SERVICES_PK, "web", BASE);
        fixture.catalogue(LedgerKeys.HOSTS_PK, LedgerKeys.hostKey("api", "host-1"), BASE);
        fixture.catalogue(LedgerKeys.HOSTS_PK, LedgerKeys.hostKey("api", "host-2"), BASE);
        fixture.watermark("shardId-000000000000", BASE + 500_000, false);
        return fixture.queryProperties();
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        return ApiClient.get(server.getURI(), path, TestAuth.token(), headers);
    }

    private JsonNode ok(String path) throws Exception {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** A matrix as {labels -> {seconds -> value}}. */
    private static Map<String, Map<Long, String>> matrix(JsonNode body) {
        assertThat(body.path("status").asText()).isEqualTo("success");
        assertThat(body.path("data").path("resultType").asText()).isEqualTo("matrix");
        Map<String, Map<Long, String>> out = new TreeMap<>();
        for (JsonNode series : body.path("data").path("result")) {
            Map<Long, String> points = new TreeMap<>();
            for (JsonNode point : series.path("values")) {
                points.put(point.get(0).asLong(), point.get(1).asText());
            }
            out.put(series.path("metric").toString(), points);
        }
        return out;
    }

    /**
     * What a range aggregation must give: per group of {@code groupBy}, at each step t from start to end, the
     * {@code value} of the records {@code keep} keeps in (t - range, t]; no point where there are none.
     */
    private Map<String, Map<Long, String>> expected(Predicate<LogRecord> keep, Function<LogRecord, Map<String, String>>
            groupBy, long startMillis, long endMillis, long stepMillis, long rangeMillis,
                                                    Function<List<LogRecord>, String> value) throws Exception {
        Map<String, Map<Long, String>> out = new TreeMap<>();
        for (long t = startMillis; t <= endMillis; t += stepMillis) {
            long at = t;
            Map<String, List<LogRecord>> groups = new TreeMap<>();
            for (LogRecord r : records) {
                if (keep.test(r) && r.ts() > at - rangeMillis && r.ts() <= at) {
                    groups.computeIfAbsent(json.writeValueAsString(new TreeMap<>(groupBy.apply(r))),
                            g -> new ArrayList<>()).add(r);
                }
            }
            groups.forEach((labels, members) -> out.computeIfAbsent(labels, l -> new TreeMap<>())
                    .put(at / 1000, value.apply(members)));
        }
        return out;
    }

    private static String count(List<LogRecord> members) {
        return Integer.toString(members.size());
    }

    @Test
    void countOverTimeByLevelCountsEveryRecordAtEveryStep() throws Exception {
        long start = BASE + 10_000;
        long end = BASE + 90_000;
        JsonNode body = ok("/loki/api/v1/query_range?query=" + q("sum by (level) (count_over_time({service=\"api\"}[10s]))")
                + "&start=" + start * NS + "&end=" + end * NS + "&step=10s");
        Map<String, Map<Long, String>> expected = expected(r -> r.service().equals("api"),
                r -> Map.of("level", r.level().name()), start, end, 10_000, 10_000, LokiMetricsTest::count);
        assertThat(expected).hasSize(LogLevel.values().length);
        assertThat(matrix(body)).isEqualTo(expected);
    }

    @Test
    void anAggregationByStructuredMetadataGroupsTheRecordsByItAsLokiDoes() throws Exception {
        long start = BASE + 10_000;
        long end = BASE + 90_000;
        String range = "&start=" + start * NS + "&end=" + end * NS + "&step=10s";
        Map<String, Map<Long, String>> byRoute = expected(r -> r.service().equals("api"), r -> Map.of("route",
                (String) r.attributes().get("route")), start, end, 10_000, 10_000, LokiMetricsTest::count);
        assertThat(byRoute).hasSize(3);
        assertThat(matrix(ok("/loki/api/v1/query_range?query=" + q("sum by (route) (count_over_time({service=\"api\"}"
                + "[10s]))") + range))).isEqualTo(byRoute);
        // Logs Drilldown's fields tab: the breakdown of a field's values, records without it left out
        Map<String, Map<Long, String>> byStatusAndLevel = expected(r -> r.service().equals("api"), r -> Map.of(
                "status", r.attributes().get("status").toString(), "level", r.level().name()), start, end, 10_000,
                10_000, LokiMetricsTest::count);
        assertThat(matrix(ok("/loki/api/v1/query_range?query=" + q("sum by (status, level) (count_over_time("
                + "{service=\"api\"} | status != \"\" [10s]))") + range))).isEqualTo(byStatusAndLevel);
    }

    @Test
    void comparisonsFilterOrGiveOneOrZeroAtEveryStep() throws Exception {
        long start = BASE + 10_000;
        long end = BASE + 90_000;
        String range = "&start=" + start * NS + "&end=" + end * NS + "&step=10s";
        String inner = "sum by (host) (count_over_time({service=~\"api|web\"}[10s]))";
        Map<String, Map<Long, String>> counts = expected(r -> true, r -> r.host() == null ? Map.of() : Map.of("host",
                r.host()), start, end, 10_000, 10_000, LokiMetricsTest::count);
        Map<String, Map<Long, String>> over13 = new TreeMap<>();
        Map<String, Map<Long, String>> bool = new TreeMap<>();
        counts.forEach((labels, points) -> points.forEach((t, v) -> {
            if (Long.parseLong(v) > 13) {
                over13.computeIfAbsent(labels, l -> new TreeMap<>()).put(t, v);
            }
            bool.computeIfAbsent(labels, l -> new TreeMap<>()).put(t, Long.parseLong(v) > 13 ? "1" : "0");
        }));
        assertThat(over13).isNotEmpty().isNotEqualTo(counts);
        assertThat(matrix(ok("/loki/api/v1/query_range?query=" + q(inner + " > 13") + range))).isEqualTo(over13);
        assertThat(matrix(ok("/loki/api/v1/query_range?query=" + q("13 < " + inner) + range))).isEqualTo(over13);
        assertThat(matrix(ok("/loki/api/v1/query_range?query=" + q(inner + " > bool 13") + range))).isEqualTo(bool);
        assertThat(matrix(ok("/loki/api/v1/query_range?query=" + q(inner + " >= " + inner) + range))).isEqualTo(counts);
        assertThat(matrix(ok("/loki/api/v1/query_range?query=" + q(inner + " != " + inner) + range))).isEmpty();
        JsonNode scalar = ok("/loki/api/v1/query?query=" + q("2 > bool 1") + "&time=" + BASE * NS);
        assertThat(scalar.path("data").path("result").get(1).asText()).isEqualTo("1");
        assertThat(get("/loki/api/v1/query?query=" + q("2 > 1")).body()).contains("need bool");
    }

    @Test
    void anOffsetRangeCoversTheRecordsThatMuchEarlier() throws Exception {
        long start = BASE + 30_000;
        long end = BASE + 90_000;
        String query = "sum by (service) (count_over_time({service=~\"api|web\"}[10s] offset 20s)) % 7 ^ 2";
        Map<String, Map<Long, String>> earlier = expected(r -> true, r -> Map.of("service", r.service()),
                start - 20_000, end - 20_000, 10_000, 10_000, LokiMetricsTest::count);
        Map<String, Map<Long, String>> expected = new TreeMap<>();
        earlier.forEach((labels, points) -> points.forEach((t, v) -> expected.computeIfAbsent(labels,
                l -> new TreeMap<>()).put(t + 20, Long.toString(Long.parseLong(v) % 49))));
        assertThat(expected).isNotEmpty();
        assertThat(matrix(ok("/loki/api/v1/query_range?query=" + q(query) + "&start=" + start * NS + "&end=" + end * NS
                + "&step=10s"))).isEqualTo(expected);
    }

    @Test
    void topkAndBottomkKeepTheLargestAndSmallestAtEachStep() throws Exception {
        long start = BASE + 10_000;
        long end = BASE + 90_000;
        String range = "&start=" + start * NS + "&end=" + end * NS + "&step=10s";
        Map<String, Map<Long, String>> counts = expected(r -> true, LokiMetricsTest::labelsOf, start, end, 10_000,
                10_000, LokiMetricsTest::count);
        for (boolean top : new boolean[]{true, false}) {
            String query = (top ? "topk" : "bottomk") + "(3, count_over_time({service=~\"api|web\"}[10s]))";
            Map<String, Map<Long, String>> answer = matrix(ok("/loki/api/v1/query_range?query=" + q(query) + range));
            for (long t = start / 1000; t <= end / 1000; t += 10) {
                long at = t;
                Map<String, Long> all = new TreeMap<>();
                counts.forEach((labels, points) -> {
                    if (points.containsKey(at)) {
                        all.put(labels, Long.parseLong(points.get(at)));
                    }
                });
                Map<String, Long> kept = new TreeMap<>();
                answer.forEach((labels, points) -> {
                    if (points.containsKey(at)) {
                        kept.put(labels, Long.parseLong(points.get(at)));
                    }
                });
                assertThat(kept).as(query + " at " + at).hasSize(Math.min(3, all.size()));
                kept.forEach((labels, value) -> assertThat(all).containsEntry(labels, value));
                for (Map.Entry<String, Long> other : all.entrySet()) {
                    if (!kept.containsKey(other.getKey())) {
                        for (long value : kept.values()) {
                            assertThat(top ? value >= other.getValue() : value <= other.getValue())
                                    .as(query + " at " + at + ": kept " + value + " over " + other).isTrue();
                        }
                    }
                }
            }
        }
        long time = BASE + 60_000;
        JsonNode sorted = ok("/loki/api/v1/query?query=" + q("sort_desc(sum by (host, service) (count_over_time("
                + "{service=~\"api|web\"}[1m])))") + "&time=" + time * NS);
        List<Long> values = new ArrayList<>();
        sorted.path("data").path("result").forEach(sample -> values.add(sample.path("value").get(1).asLong()));
        assertThat(values).hasSizeGreaterThan(2).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(values.stream().mapToLong(Long::longValue).sum()).isEqualTo(records.stream()
                .filter(r -> r.ts() > time - 60_000 && r.ts() <= time).count());
    }

    @Test
    void grafanasLogsVolumeQueryIsAnsweredExactly() throws Exception {
        long start = BASE;
        long end = BASE + 120_000;
        // as Grafana sends it, with [$__auto] interpolated to the step
        String volume = "sum by (level, detected_level) (count_over_time({service=~\"api|web\"} | drop __error__ [30s]))";
        JsonNode body = ok("/loki/api/v1/query_range?query=" + q(volume) + "&start=" + start * NS + "&end=" + end * NS
                + "&step=30000ms");
        assertThat(matrix(body)).isEqualTo(expected(r -> true, r -> Map.of("level", r.level().name()), start, end,
                30_000, 30_000, LokiMetricsTest::count));
        long total = 0;
        for (Map<Long, String> points : matrix(body).values()) {
            total += points.values().stream().mapToLong(Long::parseLong).sum();
        }
        assertThat(total).as("steps of 30 s over 30 s windows cover (start - 30 s, end] once").isEqualTo(400);
    }

    @Test
    void ratesAndBytesFollowTheLineFilterAndTheRange() throws Exception {
        long start = BASE + 20_000;
        long end = BASE + 80_000;
        String range = "&start=" + start * NS + "&end=" + end * NS + "&step=20";
        Predicate<LogRecord> timeouts = r -> r.message().contains("timeout");
        assertThat(matrix(ok("/loki/api/v1/query_range?query=" + q("sum(rate({service=~\"api|web\"} |= \"timeout\" [20s]))")
                + range))).isEqualTo(expected(timeouts, r -> Map.of(), start, end, 20_000, 20_000,
                members -> plain(members.size() / 20.0)));
        assertThat(matrix(ok("/loki/api/v1/query_range?query=" + q("sum by (service) (bytes_over_time({service=~\"api|web\"} |= \"timeout\" [20s]))")
                + range))).isEqualTo(expected(timeouts, r -> Map.of("service", r.service()), start, end, 20_000,
                20_000, members -> Long.toString(members.stream()
                        .mapToLong(r -> r.message().getBytes(StandardCharsets.UTF_8).length).sum())));
    }

    private static String plain(double value) {
        return value == Math.rint(value) ? Long.toString((long) value)
                : java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    @Test
    void anInstantMetricQueryIsAVectorOfEverySeriesAtTime() throws Exception {
        long time = BASE + 60_000;
        JsonNode body = ok("/loki/api/v1/query?query=" + q("count_over_time({service=\"web\"}[1m])") + "&time=" + time * NS);
        assertThat(body.path("data").path("resultType").asText()).isEqualTo("vector");
        Map<String, String> actual = new TreeMap<>();
        for (JsonNode sample : body.path("data").path("result")) {
            assertThat(sample.path("value").get(0).asLong()).isEqualTo(time / 1000);
            actual.put(sample.path("metric").toString(), sample.path("value").get(1).asText());
        }
        Map<String, String> expected = new TreeMap<>();
        expected(r -> r.service().equals("web"), LokiMetricsTest::labelsOf, time, time, 1, 60_000,
                LokiMetricsTest::count).forEach((labels, points) -> expected.put(labels, points.get(time / 1000)));
        assertThat(actual).isNotEmpty().isEqualTo(expected);
    }

    private static Map<String, String> labelsOf(LogRecord r) {
        Map<String, String> labels = new TreeMap<>(Map.of("level", r.level().name(), "service", r.service()));
        if (r.host() != null) {
            labels.put("host", r.host());
        }
        return labels;
    }

    @Test
    void constantExpressionsAreEvaluatedNotMatched() throws Exception {
        Map<String, String> vectors = Map.of("vector(1)+vector(1)", "2", "vector(1) + vector(1)", "2",
                "vector(2) * 3 + 1", "7", "(vector(10) - 4) / 4", "1.5", "vector(1) / 0", "+Inf");
        for (Map.Entry<String, String> c : vectors.entrySet()) {
            JsonNode body = ok("/loki/api/v1/query?query=" + q(c.getKey()) + "&time=" + BASE * NS);
            assertThat(body.path("data").path("resultType").asText()).as(c.getKey()).isEqualTo("vector");
            JsonNode sample = body.path("data").path("result").get(0);
            assertThat(sample.path("metric").size()).isZero();
            assertThat(sample.path("value").get(0).asLong()).isEqualTo(BASE / 1000);
            assertThat(sample.path("value").get(1).asText()).as(c.getKey()).isEqualTo(c.getValue());
        }
        JsonNode scalar = ok("/loki/api/v1/query?query=" + q("1 + 2 * 3") + "&time=" + BASE * NS);
        assertThat(scalar.path("data").path("resultType").asText()).isEqualTo("scalar");
        assertThat(scalar.path("data").path("result").get(1).asText()).isEqualTo("7");
    }

    @Test
    void unsupportedMetricFormsAre400NamingThem() throws Exception {
        Map<String, String> cases = Map.of(
                "count_over_time({service=\"api\"} | unwrap n [1m])", "takes no unwrap",
                "topk(0, count_over_time({service=\"api\"}[1m]))", "from 1 to 10000",
                "{service=\"api\"} + 1", "+ 1",
                "1 + {service=\"api\"}", "cannot be combined",
                "count_over_time({service=\"api\"} | distinct host [1m])", "| distinct",
                "count_over_time({service=\"api\"})", "needs a range",
                "count_over_time({service=\"api\"} | keep [1m])", "keep",
                "sum(count_over_time({service=\"api\"}[1m])) offset 1m", "unexpected");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> response = get("/loki/api/v1/query_range?query=" + q(c.getKey()));
            assertThat(response.statusCode()).as(c.getKey()).isEqualTo(400);
            assertThat(response.body()).as(c.getKey()).contains(c.getValue());
        }
        HttpResponse<String> deep = get("/loki/api/v1/query?query=" + q("(".repeat(2000) + "1" + ")".repeat(2000)));
        assertThat(deep.statusCode()).isEqualTo(400);
        assertThat(deep.body()).contains("nests deeper than 64");
        HttpResponse<String> tooFine = get("/loki/api/v1/query_range?query=" + q("count_over_time({service=\"api\"}[1m])")
                + "&start=0&end=" + BASE * NS + "&step=1s");
        assertThat(tooFine.statusCode()).isEqualTo(400);
        assertThat(tooFine.body()).contains("11000 points");
    }

    @Test
    void indexStatsAndVolumesCountTheSelectorsRecordsAndBytes() throws Exception {
        long start = BASE;
        long end = BASE + 50_000;
        String window = "&start=" + start * NS + "&end=" + end * NS;
        List<LogRecord> inWindow = records.stream().filter(r -> r.service().equals("api") && r.ts() >= start
                && r.ts() < end).toList();
        JsonNode stats = ok("/loki/api/v1/index/stats?query=" + q("{service=\"api\"}") + window);
        assertThat(stats.path("entries").asLong()).isEqualTo(inWindow.size());
        assertThat(stats.path("streams").asLong()).isEqualTo(inWindow.stream().map(LokiMetricsTest::labelsOf).distinct().count());
        assertThat(stats.path("bytes").asLong()).isEqualTo(inWindow.stream()
                .mapToLong(r -> r.message().getBytes(StandardCharsets.UTF_8).length).sum());
        assertThat(stats.has("chunks")).isTrue();

        JsonNode volume = ok("/loki/api/v1/index/volume?query=" + q("{service=~\"api|web\"}") + window
                + "&targetLabels=service&limit=10");
        Map<String, Long> bytes = new TreeMap<>();
        for (JsonNode sample : volume.path("data").path("result")) {
            bytes.put(sample.path("metric").path("service").asText(), sample.path("value").get(1).asLong());
        }
        Map<String, Long> expected = new TreeMap<>();
        records.stream().filter(r -> r.ts() >= start && r.ts() < end).forEach(r -> expected.merge(r.service(),
                (long) r.message().getBytes(StandardCharsets.UTF_8).length, Long::sum));
        assertThat(volume.path("data").path("resultType").asText()).isEqualTo("vector");
        assertThat(bytes).isEqualTo(expected);

        JsonNode range = ok("/loki/api/v1/index/volume_range?query=" + q("{service=\"web\"}") + window + "&step=10s");
        assertThat(range.path("data").path("resultType").asText()).isEqualTo("matrix");
        assertThat(range.path("data").path("result").get(0).path("metric").path("service").asText()).isEqualTo("web");
    }

    @Test
    void detectedFieldsLabelsPatternsAndLimitsHaveLokisShapes() throws Exception {
        String window = "&start=" + BASE * NS + "&end=" + (BASE + 100_000) * NS;
        JsonNode fields = ok("/loki/api/v1/detected_fields?query=" + q("{service=\"api\"}") + window);
        Map<String, String> types = new TreeMap<>();
        Map<String, Long> cardinality = new TreeMap<>();
        for (JsonNode field : fields.path("fields")) {
            types.put(field.path("label").asText(), field.path("type").asText());
            cardinality.put(field.path("label").asText(), field.path("cardinality").asLong());
            assertThat(field.path("parsers").isArray()).isTrue();
        }
        assertThat(types).isEqualTo(Map.of("cached", "boolean", "route", "string", "status", "int"));
        assertThat(cardinality).isEqualTo(Map.of("cached", 2L, "route", 3L, "status", 2L));
        JsonNode values = ok("/loki/api/v1/detected_field/status/values?query=" + q("{service=\"api\"}") + window);
        assertThat(values.path("values").toString()).isEqualTo("[\"200\",\"500\"]");
        assertThat(ok("/loki/api/v1/detected_field/nothing/values?query=" + q("{service=\"api\"}") + window)
                .path("values").size()).isZero();

        JsonNode labels = ok("/loki/api/v1/detected_labels?query=" + q("{service=~\"api|web\"}") + window);
        Map<String, Long> byLabel = new TreeMap<>();
        labels.path("detectedLabels").forEach(l -> byLabel.put(l.path("label").asText(), l.path("cardinality").asLong()));
        assertThat(byLabel).isEqualTo(Map.of("host", 2L, "level", 6L, "service", 2L));

        JsonNode patterns = ok("/loki/api/v1/patterns?query=" + q("{service=\"api\"}") + window);
        assertThat(patterns.path("status").asText()).isEqualTo("success");
        assertThat(patterns.path("data").isArray()).isTrue();
        JsonNode limits = ok("/loki/api/v1/drilldown-limits");
        assertThat(limits.path("limits").path("volume_enabled").asBoolean()).isTrue();
        assertThat(limits.path("pattern_ingester_enabled").asBoolean()).isFalse();
    }

    @Test
    void categorizeLabelsSplitsStreamLabelsStructuredMetadataAndParsedLabelsAsLoki() throws Exception {
        String path = "/loki/api/v1/query_range?query=" + q("{service=\"api\"} | regexp \"(?P<verb>handled|timeout)\" "
                + "| drop cached") + "&start=" + BASE * NS + "&end=" + (BASE + 20_000) * NS + "&limit=50";
        JsonNode legacy = json.readTree(get(path).body()).path("data");
        HttpResponse<String> flaggedResponse = get(path, "X-Loki-Response-Encoding-Flags", "categorize-labels");
        assertThat(flaggedResponse.statusCode()).isEqualTo(200);
        JsonNode flagged = json.readTree(flaggedResponse.body()).path("data");
        assertThat(flagged.path("encodingFlags").toString()).isEqualTo("[\"categorize-labels\"]");
        assertThat(legacy.has("encodingFlags")).isFalse();
        Map<String, Map<String, String>> legacyByEntry = new TreeMap<>();
        for (JsonNode stream : legacy.path("result")) {
            for (JsonNode value : stream.path("values")) {
                assertThat(value.size()).isEqualTo(2);
                legacyByEntry.put(value.get(0).asText() + " " + value.get(1).asText(),
                        json.convertValue(stream.path("stream"), TreeMap.class));
            }
        }
        Map<String, Map<String, String>> flaggedByEntry = new TreeMap<>();
        for (JsonNode stream : flagged.path("result")) {
            assertThat(stream.path("stream").fieldNames()).toIterable().isSubsetOf("host", "level", "service");
            for (JsonNode value : stream.path("values")) {
                Map<String, String> all = new TreeMap<>(json.convertValue(stream.path("stream"), TreeMap.class));
                assertThat(value.size()).isEqualTo(3);
                all.putAll(json.convertValue(value.get(2).path("structuredMetadata"), TreeMap.class));
                all.putAll(json.convertValue(value.get(2).path("parsed"), TreeMap.class));
                assertThat(value.get(2).path("parsed").path("verb").asText()).isIn("handled", "timeout");
                assertThat(value.get(2).path("structuredMetadata").has("status")).isTrue();
                flaggedByEntry.put(value.get(0).asText() + " " + value.get(1).asText(), all);
            }
        }
        assertThat(legacyByEntry).hasSize(50).isEqualTo(flaggedByEntry);
        // each entry's labels are its record's: stream labels, attributes (cached dropped), detected_level and the verb
        for (LogRecord r : records) {
            String key = (r.ts() * NS) + " " + r.message();
            if (legacyByEntry.containsKey(key)) {
                Map<String, String> expected = new TreeMap<>(labelsOf(r));
                expected.put("status", r.attributes().get("status").toString());
                expected.put("route", (String) r.attributes().get("route"));
                expected.put("detected_level", r.level().name().toLowerCase(java.util.Locale.ROOT));
                expected.put("verb", r.message().startsWith("timeout") ? "timeout" : "handled");
                assertThat(legacyByEntry.get(key)).as(key).isEqualTo(expected);
            }
        }
    }

    /** A matrix's values as numbers. */
    private static Map<String, Map<Long, Double>> numbers(Map<String, Map<Long, String>> matrix) {
        Map<String, Map<Long, Double>> out = new TreeMap<>();
        matrix.forEach((labels, points) -> points.forEach((t, v) -> out.computeIfAbsent(labels, l -> new TreeMap<>())
                .put(t, Double.parseDouble(v))));
        return out;
    }

    private static Map<String, String> labels(String json) throws Exception {
        return new TreeMap<>(new ObjectMapper().readValue(json, Map.class));
    }

    @Test
    void vectorMatchingSetOperatorsLabelReplaceAndScalarAsPromQL() throws Exception {
        long start = BASE + 10_000;
        long end = BASE + 90_000;
        String range = "&start=" + start * NS + "&end=" + end * NS + "&step=10s";
        String byLevel = "sum by (service, level) (count_over_time({service=~\"api|web\"}[10s]))";
        String byService = "sum by (service) (count_over_time({service=~\"api|web\"}[10s]))";
        Map<String, Map<Long, String>> levels = expected(r -> true, r -> Map.of("service", r.service(), "level",
                r.level().name()), start, end, 10_000, 10_000, LokiMetricsTest::count);
        Map<String, Map<Long, String>> services = expected(r -> true, r -> Map.of("service", r.service()), start, end,
                10_000, 10_000, LokiMetricsTest::count);
        // many-to-one: each level's share of its service, with on and with ignoring
        Map<String, Map<Long, Double>> share = new TreeMap<>();
        for (Map.Entry<String, Map<Long, String>> e : levels.entrySet()) {
            Map<String, String> key = Map.of("service", labels(e.getKey()).get("service"));
            Map<Long, String> total = services.get(json.writeValueAsString(new TreeMap<>(key)));
            e.getValue().forEach((t, v) -> share.computeIfAbsent(e.getKey(), l -> new TreeMap<>())
                    .put(t, Double.parseDouble(v) / Double.parseDouble(total.get(t))));
        }
        assertThat(share).hasSizeGreaterThan(2);
        for (String matching : List.of("on (service) group_left", "ignoring (level) group_left ()")) {
            Map<String, Map<Long, Double>> answer = numbers(matrix(ok("/loki/api/v1/query_range?query="
                    + q(byLevel + " / " + matching + " " + byService) + range)));
            assertThat(answer.keySet()).as(matching).isEqualTo(share.keySet());
            share.forEach((labels, points) -> points.forEach((t, v) -> assertThat(answer.get(labels).get(t))
                    .as(matching + " " + labels + " " + t).isCloseTo(v, org.assertj.core.data.Offset.offset(1e-12))));
        }
        // one-to-one: group_right mirrors group_left, and on keeps only the matching labels
        Map<String, Map<Long, Double>> mirrored = numbers(matrix(ok("/loki/api/v1/query_range?query="
                + q(byService + " * on (service) group_right " + byLevel) + range)));
        Map<String, Map<Long, Double>> product = new TreeMap<>();
        levels.forEach((labels, points) -> points.forEach((t, v) -> product.computeIfAbsent(labels,
                l -> new TreeMap<>()).put(t, Double.parseDouble(services.get(serviceOf(labels)).get(t))
                * Double.parseDouble(v))));
        assertThat(mirrored).isEqualTo(product);
        Map<String, Map<Long, Double>> zero = numbers(matrix(ok("/loki/api/v1/query_range?query="
                + q(byService + " - on (service) " + byService) + range)));
        assertThat(zero.keySet()).isEqualTo(services.keySet());
        assertThat(zero.values()).allSatisfy(points -> assertThat(points.values()).containsOnly(0.0));
        HttpResponse<String> manyToMany = get("/loki/api/v1/query_range?query=" + q(byLevel + " / on (service) "
                + byLevel) + range);
        assertThat(manyToMany.statusCode()).isEqualTo(400);
        assertThat(manyToMany.body()).contains("many-to-many matching is not allowed");

        // and, or, unless: api's levels against web's, step by step
        String api = "sum by (level) (count_over_time({service=\"api\"}[10s]))";
        String web = "sum by (level) (count_over_time({service=\"web\"}[10s]))";
        Map<String, Map<Long, String>> apiLevels = expected(r -> r.service().equals("api"), r -> Map.of("level",
                r.level().name()), start, end, 10_000, 10_000, LokiMetricsTest::count);
        Map<String, Map<Long, String>> webLevels = expected(r -> r.service().equals("web"), r -> Map.of("level",
                r.level().name()), start, end, 10_000, 10_000, LokiMetricsTest::count);
        Map<String, Map<Long, String>> and = new TreeMap<>();
        Map<String, Map<Long, String>> unless = new TreeMap<>();
        Map<String, Map<Long, String>> or = new TreeMap<>();
        apiLevels.forEach((labels, points) -> points.forEach((t, v) -> {
            boolean inWeb = webLevels.containsKey(labels) && webLevels.get(labels).containsKey(t);
            (inWeb ? and : unless).computeIfAbsent(labels, l -> new TreeMap<>()).put(t, v);
            or.computeIfAbsent(labels, l -> new TreeMap<>()).put(t, v);
        }));
        webLevels.forEach((labels, points) -> points.forEach((t, v) -> {
            if (!apiLevels.containsKey(labels) || !apiLevels.get(labels).containsKey(t)) {
                or.computeIfAbsent(labels, l -> new TreeMap<>()).put(t, v);
            }
        }));
        assertThat(and).isNotEmpty();
        assertThat(unless).isNotEmpty();
        assertThat(matrix(ok("/loki/api/v1/query_range?query=" + q(api + " and " + web) + range))).isEqualTo(and);
        assertThat(matrix(ok("/loki/api/v1/query_range?query=" + q(api + " unless on (level) " + web) + range)))
                .isEqualTo(unless);
        assertThat(matrix(ok("/loki/api/v1/query_range?query=" + q(api + " or " + web) + range))).isEqualTo(or);
        assertThat(get("/loki/api/v1/query?query=" + q(api + " and 1")).body()).contains("between two vectors");

        // label_replace and scalar
        Map<String, Map<Long, String>> replaced = new TreeMap<>();
        for (Map.Entry<String, Map<Long, String>> e : services.entrySet()) {
            Map<String, String> l = labels(e.getKey());
            if (l.get("service").startsWith("a")) {
                l.put("svc", "s-" + l.get("service"));
            }
            replaced.put(json.writeValueAsString(l), e.getValue());
        }
        assertThat(matrix(ok("/loki/api/v1/query_range?query=" + q("label_replace(" + byService + ", \"svc\", "
                + "\"s-$1\", \"service\", \"(a.*)\")") + range))).isEqualTo(replaced);
        Map<String, Map<Long, Double>> ratio = numbers(matrix(ok("/loki/api/v1/query_range?query=" + q(
                "sum(count_over_time({service=\"api\"}[10s])) / scalar(sum(count_over_time({service=\"web\"}[10s])))")
                + range)));
        Map<Long, String> apiTotal = services.get("{\"service\":\"api\"}");
        Map<Long, String> webTotal = services.get("{\"service\":\"web\"}");
        Map<Long, Double> expectedRatio = new TreeMap<>();
        apiTotal.forEach((t, v) -> expectedRatio.put(t, webTotal.containsKey(t)
                ? Double.parseDouble(v) / Double.parseDouble(webTotal.get(t)) : Double.NaN));
        assertThat(ratio).containsOnlyKeys("{}");
        expectedRatio.forEach((t, v) -> assertThat(ratio.get("{}").get(t)).as("at " + t)
                .isCloseTo(v, org.assertj.core.data.Offset.offset(1e-12)));
    }

    /** The {service} label set of a series' labels, as the reference's keys spell it. */
    private String serviceOf(String labels) {
        try {
            return json.writeValueAsString(new TreeMap<>(Map.of("service", labels(labels).get("service"))));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
