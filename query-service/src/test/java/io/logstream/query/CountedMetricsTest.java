package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.loki.MetricEvaluator;
import io.micrometer.core.instrument.MeterRegistry;
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
 * Metric queries, volumes and the catalogue's last minute answered from count items two shards wrote, on DynamoDB
 * Local: every point is compared with what the stored records say it must be, and the evaluator's own meter says the
 * counts (not the records) were read. Off whole minutes the records answer, as exactly.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CountedMetricsTest implements TestPropertyProvider {
    private static final long MIN = 60_000;
    /** A whole minute. */
    private static final long BASE = 1_723_050_000_000L - 1_723_050_000_000L % MIN;
    private static final long NS = 1_000_000L;

    private final ReadsFixture fixture = ReadsFixture.create("counted");
    private final List<LogRecord> records = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();

    @Inject
    EmbeddedServer server;

    @Inject
    MeterRegistry registry;

    @Override
    public Map<String, String> getProperties() {
        LogLevel[] levels = LogLevel.values();
        String[] services = {"pay", "cart", "ship"};
        for (int i = 0; i < 900; i++) {
            // every 2 s over 30 minutes, so some records sit exactly on a minute's end
            String message = (i % 7 == 0 ? "timeout é " : "ok ") + i;
            records.add(new LogRecord(services[i % 3], levels[(i / 3) % levels.length], message, BASE + i * 2_000L,
                    "id-" + i, null, i % 4 == 0 ? null : "host-" + (i % 5), Map.of(), null));
        }
        fixture.store(records);
        fixture.counts(records, "shardId-000000000000", "shardId-000000000001");
        for (String service : services) {
            fixture.catalogue(LedgerKeys.SERVICES_PK, service, BASE);
        }
        fixture.watermark("shardId-000000000000", BASE + 40 * MIN, BASE + 10 * MIN + 30_000, false);
        fixture.watermark("shardId-000000000001", BASE + 40 * MIN, BASE + 35 * MIN, false);
        return fixture.queryProperties();
    }

    @Test
    void rangeAggregationsAtWholeMinutesAreCountedExactlyFromTheCounts() throws Exception {
        double before = fromCounts();
        long start = BASE + 5 * MIN;
        long end = BASE + 30 * MIN;
        check("count_over_time({service=\"pay\"}[5m])", start, end, MIN, r -> r.service().equals("pay"), 5 * MIN,
                "count", null, List.of(), false);
        check("rate({service=~\"pay|cart\"}[2m])", start, end, MIN, r -> !r.service().equals("ship"), 2 * MIN,
                "rate", null, List.of(), false);
        check("bytes_over_time({service=\"cart\", host=\"host-1\"}[3m])", start, end, 2 * MIN,
                r -> r.service().equals("cart") && "host-1".equals(r.host()), 3 * MIN, "bytes", null, List.of(), false);
        check("bytes_rate({service=\"ship\", host!=\"host-2\", level=~\"ERROR|WARN\"}[1m])", start, end, MIN,
                r -> r.service().equals("ship") && !"host-2".equals(r.host()) && r.level().ordinal() >= 3
                        && r.level().ordinal() <= 4, MIN, "bytes_rate", null, List.of(), false);
        assertThat(fromCounts() - before).as("each was read from the counts").isEqualTo(4);
    }

    @Test
    void vectorAggregationsByAndWithoutEachLabelAreExact() throws Exception {
        double before = fromCounts();
        long start = BASE + 10 * MIN;
        long end = BASE + 30 * MIN;
        Predicate<LogRecord> all = r -> true;
        check("sum by (level) (count_over_time({service=~\".+\"}[1m]))", start, end, MIN, all, MIN, "count", "sum",
                List.of("level"), false);
        check("sum without (host) (rate({service=~\".+\"}[10m]))", start, end, 5 * MIN, all, 10 * MIN, "rate", "sum",
                List.of("host"), true);
        check("count by (level) (count_over_time({service=\"pay\"}[5m]))", start, end, MIN,
                r -> r.service().equals("pay"), 5 * MIN, "count", "count", List.of("level"), false);
        check("max by (service) (bytes_over_time({service=~\".+\"}[4m]))", start, end, 2 * MIN, all, 4 * MIN, "bytes",
                "max", List.of("service"), false);
        check("min without (level) (count_over_time({service=\"cart\"}[3m]))", start, end, MIN,
                r -> r.service().equals("cart"), 3 * MIN, "count", "min", List.of("level"), true);
        check("avg by (host) (count_over_time({service=~\"pay|ship\"}[2m]))", start, end, MIN,
                r -> !r.service().equals("cart"), 2 * MIN, "count", "avg", List.of("host"), false);
        check("sum by (level, detected_level) (count_over_time({service=\"pay\"} | drop __error__ [1m]))", start, end,
                MIN, r -> r.service().equals("pay"), MIN, "count", "sum", List.of("level", "detected_level"), false);
        assertThat(fromCounts() - before).isEqualTo(7);
    }

    @Test
    void anInstantQueryAtAWholeMinuteIsAVectorFromTheCounts() throws Exception {
        double before = fromCounts();
        long at = BASE + 20 * MIN;
        JsonNode body = ok("/loki/api/v1/query?query=" + q("sum by (level) (count_over_time({service=\"pay\"}[10m]))")
                + "&time=" + at * NS);
        assertThat(body.path("data").path("resultType").asText()).isEqualTo("vector");
        Map<String, String> got = new TreeMap<>();
        body.path("data").path("result").forEach(s -> got.put(s.path("metric").toString(), s.path("value").get(1).asText()));
        Map<String, Map<Long, String>> expected = expected(r -> r.service().equals("pay"), at, at, MIN, 10 * MIN,
                "count", "sum", List.of("level"), false);
        Map<String, String> want = new TreeMap<>();
        expected.forEach((labels, points) -> want.put(labels, points.get(at / 1000)));
        assertThat(got).isEqualTo(want).hasSize(6);
        // logcli 1.x sends its --now as start
        JsonNode asLogcli = ok("/loki/api/v1/query?query=" + q("sum by (level) (count_over_time({service=\"pay\"}[10m]))")
                + "&start=" + at * NS + "&limit=30&direction=BACKWARD");
        Map<String, String> fromStart = new TreeMap<>();
        asLogcli.path("data").path("result").forEach(s -> fromStart.put(s.path("metric").toString(),
                s.path("value").get(1).asText()));
        assertThat(fromStart).isEqualTo(want);
        assertThat(fromCounts() - before).isEqualTo(2);
    }

    @Test
    void offWholeMinutesTheRecordsAnswerAsExactly() throws Exception {
        double before = fromCounts();
        long start = BASE + 5 * MIN + 30_000;
        check("sum by (level) (count_over_time({service=\"pay\"}[1m]))", start, start + 10 * MIN, 30_000,
                r -> r.service().equals("pay"), MIN, "count", "sum", List.of("level"), false);
        check("count_over_time({service=\"pay\"} |= \"timeout\" [1m])", BASE + 5 * MIN, BASE + 10 * MIN, MIN,
                r -> r.service().equals("pay") && r.message().contains("timeout"), MIN, "count", null, List.of(), false);
        assertThat(fromCounts() - before).as("a half-minute step and a line filter count records").isZero();
    }

    @Test
    void theVolumeEndpointsCountEachStepAndLevel() throws Exception {
        long from = BASE + 3 * MIN;
        long to = BASE + 27 * MIN;
        HttpResponse<String> response = get("/v1/services/pay/volume?from=" + from + "&to=" + to
                + "&step=6m&level=ERROR,warn");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Complete-Until")).hasValue(
                java.time.Instant.ofEpochMilli(BASE + 10 * MIN + 30_000).toString());
        JsonNode body = json.readTree(response.body());
        List<String> got = new ArrayList<>();
        body.path("points").forEach(p -> got.add(p.path("end").asText() + " " + p.path("records") + " "
                + p.path("bytes")));
        List<String> want = new ArrayList<>();
        for (long end = from + 6 * MIN; end <= to; end += 6 * MIN) {
            long e = end;
            Map<String, Long> n = new TreeMap<>();
            Map<String, Long> b = new TreeMap<>();
            records.stream().filter(r -> r.service().equals("pay") && r.ts() > e - 6 * MIN && r.ts() <= e
                    && (r.level() == LogLevel.ERROR || r.level() == LogLevel.WARN)).forEach(r -> {
                        n.merge(r.level().name(), 1L, Long::sum);
                        b.merge(r.level().name(), (long) r.message().getBytes(StandardCharsets.UTF_8).length,
                                Long::sum);
                    });
            want.add(java.time.Instant.ofEpochMilli(e) + " " + json.writeValueAsString(n) + " "
                    + json.writeValueAsString(b));
        }
        assertThat(got).isEqualTo(want).hasSize(4);

        JsonNode volume = ok("/loki/api/v1/index/volume?query=" + q("{service=~\"pay|ship\"}") + "&start="
                + (BASE + 2 * MIN) * NS + "&end=" + (BASE + 12 * MIN) * NS + "&targetLabels=service");
        Map<String, Long> bytes = new TreeMap<>();
        volume.path("data").path("result").forEach(s -> bytes.put(s.path("metric").path("service").asText(),
                s.path("value").get(1).asLong()));
        Map<String, Long> expected = new TreeMap<>();
        records.stream().filter(r -> !r.service().equals("cart") && r.ts() > BASE + 2 * MIN && r.ts() <= BASE + 12 * MIN)
                .forEach(r -> expected.merge(r.service(), (long) r.message().getBytes(StandardCharsets.UTF_8).length,
                        Long::sum));
        assertThat(bytes).isEqualTo(expected);
    }

    @Test
    void theCatalogueShowsEachServicesRecordsOfTheLastCompleteMinute() throws Exception {
        JsonNode body = ok("/v1/services");
        long minute = BASE + 10 * MIN; // the lower of the two shards' count watermarks, down to a minute
        assertThat(body.path("lastCompleteMinute").asText()).isEqualTo(java.time.Instant.ofEpochMilli(minute).toString());
        Map<String, Long> got = new TreeMap<>();
        body.path("services").forEach(s -> got.put(s.path("service").asText(), s.path("recordsLastMinute").asLong()));
        Map<String, Long> want = new TreeMap<>();
        records.stream().filter(r -> r.ts() > minute - MIN && r.ts() <= minute)
                .forEach(r -> want.merge(r.service(), 1L, Long::sum));
        assertThat(got).isEqualTo(want).containsEntry("pay", 10L);
    }

    @Test
    void aBadVolumeRequestIsAProblemNamingTheParameter() throws Exception {
        HttpResponse<String> response = get("/v1/services/pay/volume?step=90s&from=" + (BASE + MIN) + "&to=" + BASE);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("\"step\"").contains("\"from\"");
        assertThat(get("/v1/services/pay/volume?from=0&to=" + BASE + "&step=1m").statusCode()).isEqualTo(400);
        // a from after the default to (the current minute) has no points, and is no error
        HttpResponse<String> future = get("/v1/services/pay/volume?from=8356224400068&step=1m");
        assertThat(future.statusCode()).as(future.body()).isEqualTo(200);
        assertThat(json.readTree(future.body()).path("points").size()).isZero();
        // a window before the epoch reads no count item
        assertThat(get("/v1/services/pay/volume?step=23m&to=073534").statusCode()).isEqualTo(200);
        // an empty step is an empty object per level map, as the OpenAPI document requires
        JsonNode quiet = json.readTree(get("/v1/services/pay/volume?from=" + (BASE - 10 * MIN) + "&to=" + BASE).body());
        assertThat(quiet.path("points").get(0).has("records")).isTrue();
        assertThat(quiet.path("points").get(0).path("bytes").isObject()).isTrue();
    }

    /** The query's matrix equals the records' series, point for point. */
    private void check(String query, long start, long end, long step, Predicate<LogRecord> keep, long range,
                       String function, String aggregation, List<String> labels, boolean without) throws Exception {
        JsonNode body = ok("/loki/api/v1/query_range?query=" + q(query) + "&start=" + start * NS + "&end=" + end * NS
                + "&step=" + step + "ms");
        assertThat(body.path("data").path("resultType").asText()).isEqualTo("matrix");
        Map<String, Map<Long, String>> got = new TreeMap<>();
        for (JsonNode series : body.path("data").path("result")) {
            Map<Long, String> points = new TreeMap<>();
            series.path("values").forEach(p -> points.put(p.get(0).asLong(), p.get(1).asText()));
            got.put(series.path("metric").toString(), points);
        }
        Map<String, Map<Long, String>> want = expected(keep, start, end, step, range, function, aggregation, labels,
                without);
        assertThat(want).as(query).isNotEmpty();
        assertThat(got).as(query).isEqualTo(want);
    }

    /** Loki's semantics over the records: series by every label, (t - range, t] windows, then the aggregation. */
    private Map<String, Map<Long, String>> expected(Predicate<LogRecord> keep, long start, long end, long step,
                                                    long range, String function, String aggregation,
                                                    List<String> labels, boolean without) throws Exception {
        Map<String, Map<Long, String>> out = new TreeMap<>();
        for (long t = start; t <= end; t += step) {
            long at = t;
            Map<Map<String, String>, double[]> series = new java.util.HashMap<>();
            for (LogRecord r : records) {
                if (keep.test(r) && r.ts() > at - range && r.ts() <= at) {
                    double[] v = series.computeIfAbsent(labelsOf(r), l -> new double[2]);
                    v[0]++;
                    v[1] += r.message().getBytes(StandardCharsets.UTF_8).length;
                }
            }
            Map<Map<String, String>, Double> values = new java.util.HashMap<>();
            series.forEach((l, v) -> values.put(l, switch (function) {
                case "count" -> v[0];
                case "rate" -> v[0] / (range / 1000.0);
                case "bytes" -> v[1];
                default -> v[1] / (range / 1000.0);
            }));
            Map<Map<String, String>, Double> result = aggregation == null ? values
                    : aggregate(values, aggregation, labels, without);
            for (Map.Entry<Map<String, String>, Double> e : result.entrySet()) {
                out.computeIfAbsent(json.writeValueAsString(new TreeMap<>(e.getKey())), k -> new TreeMap<>())
                        .put(at / 1000, MetricEvaluator.format(e.getValue()));
            }
        }
        return out;
    }

    private static Map<Map<String, String>, Double> aggregate(Map<Map<String, String>, Double> values, String function,
                                                              List<String> labels, boolean without) {
        Map<Map<String, String>, List<Double>> groups = new java.util.HashMap<>();
        values.forEach((l, v) -> {
            Map<String, String> kept = new TreeMap<>();
            l.forEach((name, value) -> {
                if (without != labels.contains(name)) {
                    kept.put(name, value);
                }
            });
            groups.computeIfAbsent(kept, k -> new ArrayList<>()).add(v);
        });
        Map<Map<String, String>, Double> out = new java.util.HashMap<>();
        groups.forEach((l, members) -> {
            double sum = 0;
            for (double m : members) {
                sum += m;
            }
            out.put(l, switch (function) {
                case "sum" -> sum;
                case "count" -> (double) members.size();
                case "max" -> members.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                case "min" -> members.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
                default -> sum / members.size();
            });
        });
        return out;
    }

    private static Map<String, String> labelsOf(LogRecord r) {
        Map<String, String> labels = new TreeMap<>();
        if (r.host() != null) {
            labels.put("host", r.host());
        }
        labels.put("level", r.level().name());
        labels.put("service", r.service());
        return labels;
    }

    private double fromCounts() {
        io.micrometer.core.instrument.Counter counter = registry.find("logstream.query.range.aggregations")
                .tag("source", "counts").counter();
        return counter == null ? 0 : counter.count(); // registered with the evaluator, on the first metric query

    }

    private HttpResponse<String> get(String path) throws Exception {
        return ApiClient.get(server.getURI(), path);
    }

    private JsonNode ok(String path) throws Exception {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
