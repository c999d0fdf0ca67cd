package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One request, one budget, on DynamoDB Local: a request that would read far more than its budget stops there with a
 * correct prefix and a warning, whatever its selectors, services and levels; regular expressions whose repetitions
 * would explode are refused before they are compiled, and before anything else for a token that may read nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestBudgetTest {
    private static final long BASE = 1723050000000L;
    private static final int SERVICES = 4;
    private static final int PER_SERVICE = 3000;
    private static final int BUDGET_PAGES = 14;
    private static final int PAGE = 500;

    private final ReadsFixture fixture = ReadsFixture.create("budget");
    private final List<LogRecord> records = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();
    private ApplicationContext context;
    private URI base;

    @BeforeAll
    void start() {
        LogLevel[] levels = LogLevel.values();
        for (int s = 0; s < SERVICES; s++) {
            for (int i = 0; i < PER_SERVICE; i++) {
                records.add(new LogRecord("svc-" + s, levels[i % levels.length], "line " + i, BASE + i * 10L + s,
                        "id-" + s + "-" + i, null, null, Map.of(), null));
            }
            fixture.catalogue(LedgerKeys.SERVICES_PK, "svc-" + s, BASE);
        }
        fixture.store(records);
        fixture.watermark("shardId-000000000000", BASE + 10_000_000, false);
        Map<String, String> properties = fixture.queryProperties();
        properties.put("micronaut.server.port", "-1");
        properties.put("log-stream.reads.budget-pages", Integer.toString(BUDGET_PAGES));
        properties.put("log-stream.reads.loki-fan-out", "50");
        context = ApplicationContext.run(Map.copyOf(properties));
        base = context.getBean(EmbeddedServer.class).start().getURI();
    }

    @AfterAll
    void stop() {
        context.close();
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        return ApiClient.get(base, path, token);
    }

    private static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private double exhaustedCount() throws Exception {
        String metrics = ApiClient.get(base, "/prometheus", null).body();
        return metrics.lines().filter(line -> line.startsWith("logstream_query_budget_exhausted_total{cause=\"pages\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void aQueryOverManyServicesAndLowLevelsStopsAtTheBudgetWithACorrectPrefix() throws Exception {
        double before = exhaustedCount();
        String selector = "{service=~\"svc-0|svc-1|svc-2|svc-3\",level=~\"TRACE|DEBUG\"}";
        HttpResponse<String> response = get("/loki/api/v1/query_range?limit=5000&direction=forward&start="
                + BASE * 1_000_000L + "&end=" + (BASE + 100_000) * 1_000_000L + "&query=" + q(selector), TestAuth.token());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json.readTree(response.body());
        assertThat(body.path("warnings").toString()).contains("stopped after " + BUDGET_PAGES + " DynamoDB pages");
        long read = body.path("data").path("stats").path("summary").path("totalLinesProcessed").asLong();
        assertThat(read).as("records read over all services and levels").isLessThanOrEqualTo((long) BUDGET_PAGES * (PAGE + 1));

        List<String> got = new ArrayList<>();
        for (JsonNode stream : body.path("data").path("result")) {
            for (JsonNode value : stream.path("values")) {
                got.add(value.get(0).asText() + " " + stream.path("stream").path("service").asText());
            }
        }
        got.sort(Comparator.naturalOrder());
        List<String> expected = records.stream().filter(r -> r.level() == LogLevel.TRACE || r.level() == LogLevel.DEBUG)
                .sorted(Comparator.comparingLong(LogRecord::ts).thenComparing(LogRecord::service))
                .map(r -> r.ts() + "000000 " + r.service()).limit(got.size()).toList();
        assertThat(got).as("the first records in order, no gap").isEqualTo(expected).isNotEmpty();
        assertThat(exhaustedCount()).isGreaterThan(before);
    }

    @Test
    void seriesSpendsOneBudgetOverAllItsSelectorsAndCapsTheirNumber() throws Exception {
        StringBuilder path = new StringBuilder("/loki/api/v1/series?start=" + BASE * 1_000_000L + "&end="
                + (BASE + 100_000) * 1_000_000L);
        for (int i = 0; i < 16; i++) {
            path.append("&match[]=").append(q("{service=~\"svc-0|svc-1|svc-2|svc-3\",level=\"TRACE\"}"));
        }
        long began = System.nanoTime();
        HttpResponse<String> response = get(path.toString(), TestAuth.token());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("stopped after " + BUDGET_PAGES + " DynamoDB pages");
        assertThat((System.nanoTime() - began) / 1_000_000_000.0).as("seconds; it once took 287 s").isLessThan(30);

        StringBuilder tooMany = new StringBuilder("/loki/api/v1/series?");
        for (int i = 0; i < 32; i++) {
            tooMany.append("&match[]=").append(q("{service=\"svc-" + (i % SERVICES) + "\"}"));
        }
        HttpResponse<String> refused = get(tooMany.toString(), TestAuth.token());
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("at most 16 match[] selectors");
    }

    /** Counts are exact or not given: a metric query that would read past the budget is refused, not cut short. */
    @Test
    void aMetricQueryPastTheBudgetIsRefusedRatherThanUndercounted() throws Exception {
        double before = exhaustedCount();
        String window = "&start=" + BASE * 1_000_000L + "&end=" + (BASE + 100_000) * 1_000_000L + "&step=10s";
        HttpResponse<String> response = get("/loki/api/v1/query_range?query=" + java.net.URLEncoder.encode(
                "sum by (service) (count_over_time({service=~\"svc-0|svc-1|svc-2|svc-3\"}[10s]))",
                StandardCharsets.UTF_8) + window, TestAuth.token());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.body()).contains("budget").contains(BUDGET_PAGES + " DynamoDB pages")
                .contains("counts are exact or not given");
        assertThat(exhaustedCount()).isGreaterThan(before);
        // one service's TRACE records fit in the budget, and are counted exactly
        HttpResponse<String> small = get("/loki/api/v1/query?query=" + java.net.URLEncoder.encode(
                "count_over_time({service=\"svc-0\",level=\"TRACE\"}[1h])", StandardCharsets.UTF_8) + "&time="
                + (BASE + 100_000) * 1_000_000L, TestAuth.token());
        assertThat(small.statusCode()).as(small.body()).isEqualTo(200);
        long trace = records.stream().filter(r -> r.service().equals("svc-0") && r.level() == LogLevel.TRACE).count();
        assertThat(json.readTree(small.body()).path("data").path("result").get(0).path("value").get(1).asLong())
                .isEqualTo(trace);
    }

    @Test
    void aRestPageWithinTheBudgetIsComplete() throws Exception {
        HttpResponse<String> response = get("/v1/services/svc-0/logs?limit=1000&level=TRACE", TestAuth.token());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json.readTree(response.body());
        assertThat(body.path("items").size()).isEqualTo(PER_SERVICE / LogLevel.values().length);
    }

    @Test
    void anExplodingRegexIsRefusedBeforeItIsCompiled() throws Exception {
        for (String query : List.of("{service=~\"(((a{1000}){1000}){1000}){1000}\"}",
                "{service=\"svc-0\"} |~ \"(((a{1000}){1000}){1000}){1000}\"",
                "{service=\"svc-0\"} |~ \"((x{100}|y{100}){100}){100}\"")) {
            long began = System.nanoTime();
            HttpResponse<String> response = get("/loki/api/v1/query_range?query=" + q(query), TestAuth.token());
            long millis = (System.nanoTime() - began) / 1_000_000;
            assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
            assertThat(response.body()).contains("too large once its repetitions are expanded");
            assertThat(millis).as("ms; it once ran 12.6 s and took the heap").isLessThan(5_000);
        }
        HttpResponse<String> ordinary = get("/loki/api/v1/query_range?query="
                + q("{service=~\"svc-[0-9]{1,3}\"} |~ \"line [0-9]{1,4}\""), TestAuth.token());
        assertThat(ordinary.statusCode()).as(ordinary.body()).isEqualTo(200);
    }

    @Test
    void aTokenThatMayReadNothingIsRefusedBeforeItsQueryIsParsed() throws Exception {
        String nothing = TestAuth.tokenFor();
        HttpResponse<String> response = get("/loki/api/v1/query_range?query="
                + q("{service=~\"(((a{1000}){1000}){1000}){1000}\"}"), nothing);
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(get("/loki/api/v1/series?match[]=" + q("{service=~\"(a{1000}){1000}\"}"), nothing).statusCode())
                .isEqualTo(403);
    }

    @Test
    void pastTheDeadlineAnswersAreCutShortAndRestPagesContinueByCursor() throws Exception {
        Map<String, Object> properties = new java.util.HashMap<>(fixture.queryProperties());
        properties.put("micronaut.server.port", -1);
        properties.put("log-stream.reads.deadline", "1ms");
        try (ApplicationContext hurried = ApplicationContext.run(properties)) {
            URI hurriedBase = hurried.getBean(EmbeddedServer.class).start().getURI();
            HttpResponse<String> loki = ApiClient.get(hurriedBase,
                    "/loki/api/v1/query_range?limit=5000&start=" + BASE * 1_000_000L + "&end=" + (BASE + 100_000) * 1_000_000L
                            + "&query=" + q("{service=~\"svc-0|svc-1\",level=\"TRACE\"}"));
            assertThat(loki.statusCode()).as(loki.body()).isEqualTo(200);
            assertThat(loki.body()).contains("stopped at the request deadline");

            // one DynamoDB page per request: the page comes back short, and its cursors lead through every record once
            List<String> ids = new ArrayList<>();
            String cursor = null;
            int requests = 0;
            do {
                HttpResponse<String> page = ApiClient.get(hurriedBase,
                        "/v1/services/svc-0/logs?limit=1000&level=TRACE" + (cursor == null ? "" : "&cursor=" + cursor));
                assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
                JsonNode body = json.readTree(page.body());
                body.path("items").forEach(item -> ids.add(item.path("id").asText()));
                cursor = body.path("nextCursor").isNull() ? null : body.path("nextCursor").asText();
                requests++;
            } while (cursor != null && requests < 50);
            List<String> expected = records.stream().filter(r -> r.service().equals("svc-0") && r.level() == LogLevel.TRACE)
                    .sorted(Comparator.comparingLong(LogRecord::ts).reversed()).map(LogRecord::id).toList();
            assertThat(requests).as("pages").isGreaterThan(1);
            assertThat(ids).containsExactlyElementsOf(expected);
        }
    }
}
