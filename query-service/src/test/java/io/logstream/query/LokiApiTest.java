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
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Loki-compatible API on DynamoDB Local: answers are compared record by record with what the stored records say
 * they must be; errors are Loki's (400, plain text) and name what is unsupported.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LokiApiTest implements TestPropertyProvider {
    static final long BASE = 1723050000000L;
    private static final long NS = 1_000_000L;

    private final ReadsFixture fixture = ReadsFixture.create("loki");
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
                    i % 3 == 0 ? null : "host-" + (i % 3), Map.of(), null));
        }
        fixture.store(records);
        fixture.catalogue(LedgerKeys.SERVICES_PK, "api", BASE);
        fixture.catalogue(LedgerKeys.SERVICES_PK, "web", BASE);
        fixture.catalogue(LedgerKeys.SERVICES_PK, "ghost", BASE);
        fixture.catalogue(LedgerKeys.HOSTS_PK, LedgerKeys.hostKey("api", "host-1"), BASE);
        fixture.catalogue(LedgerKeys.HOSTS_PK, LedgerKeys.hostKey("web", "host-2"), BASE);
        fixture.watermark("shardId-000000000000", BASE + 500_000, false);
        fixture.watermark("shardId-000000000001", BASE + 90_000, false);
        fixture.watermark("shardId-000000000002", BASE + 10, true);
        Map<String, String> properties = fixture.queryProperties();
        properties.put("log-stream.reads.loki-fan-out", "2");
        return properties;
    }

    private URI api;

    @BeforeAll
    void api() {
        api = server.getURI();
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        return ApiClient.get(api, path, token);
    }

    private JsonNode ok(String path) throws Exception {
        HttpResponse<String> response = get(path, TestAuth.token());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Complete-Until"))
                .as("the minimum over the open shards; the closed one does not count")
                .hasValue(java.time.Instant.ofEpochMilli(BASE + 90_000).toString());
        return json.readTree(response.body());
    }

    private static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** [timestamp, line, labels] of every entry, in the order a Loki client shows them (streams merged by time). */
    private static List<String> entries(JsonNode body, boolean forward) {
        assertThat(body.path("status").asText()).isEqualTo("success");
        assertThat(body.path("data").path("resultType").asText()).isEqualTo("streams");
        List<String[]> all = new ArrayList<>();
        for (JsonNode stream : body.path("data").path("result")) {
            String labels = stream.path("stream").toString();
            for (JsonNode value : stream.path("values")) {
                all.add(new String[]{value.get(0).asText(), value.get(1).asText(), labels});
            }
        }
        Comparator<String[]> byTime = Comparator.comparing((String[] e) -> Long.parseLong(e[0]));
        all.sort(forward ? byTime : byTime.reversed());
        return all.stream().map(e -> e[0] + " " + e[1] + " " + e[2]).toList();
    }

    private List<String> expected(Predicate<LogRecord> keep, long fromMillis, long toMillisExclusive, boolean forward,
                                  int limit) {
        Comparator<LogRecord> order = Comparator.comparingLong(LogRecord::ts);
        return records.stream().filter(keep).filter(r -> r.ts() >= fromMillis && r.ts() < toMillisExclusive)
                .sorted(forward ? order : order.reversed()).limit(limit)
                .map(r -> (r.ts() * NS) + " " + r.message() + " " + labels(r, true)).toList();
    }

    /**
     * A record's labels as JSON, in name order, as Loki's legacy encoding gives them: its stream labels (a record
     * without a host has no host label) and its structured metadata (these records have no attributes, only
     * detected_level); a series' labels are the stream labels only.
     */
    private static String labels(LogRecord r, boolean withMetadata) {
        Map<String, String> labels = new java.util.TreeMap<>(Map.of("level", r.level().name(), "service", r.service()));
        if (withMetadata) {
            labels.put("detected_level", r.level().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (r.host() != null) {
            labels.put("host", r.host());
        }
        try {
            return new ObjectMapper().writeValueAsString(labels);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aRangeQueryWithLevelRegexAndLineFilterReturnsExactlyTheMatchingRecordsForward() throws Exception {
        long from = BASE + 10_000;
        long to = BASE + 80_000;
        JsonNode body = ok("/loki/api/v1/query_range?query=" + q("{service=\"api\",level=~\"ERROR|FATAL\"} |= \"timeout\"")
                + "&start=" + from * NS + "&end=" + to * NS + "&limit=1000&direction=forward");
        List<String> want = expected(r -> r.service().equals("api") && (r.level() == LogLevel.ERROR
                || r.level() == LogLevel.FATAL) && r.message().contains("timeout"), from, to, true, 1000);
        assertThat(want).isNotEmpty();
        assertThat(entries(body, true)).isEqualTo(want);
        assertThat(body.path("data").path("stats").path("summary").path("totalEntriesReturned").asInt())
                .isEqualTo(want.size());
    }

    @Test
    void servicesSpelledOutAreMergedByTimeNewestFirstUpToTheLimit() throws Exception {
        JsonNode body = ok("/loki/api/v1/query_range?query=" + q("{service=~\"api|web\", host!=\"host-2\"} != \"timeout\" |~ \"request [0-9]*7$\"")
                + "&start=" + q("2024-08-07T17:00:00Z") + "&end=" + (BASE + 100_000) * NS + "&limit=9");
        List<String> want = expected(r -> !"host-2".equals(r.host()) && !r.message().contains("timeout")
                && r.message().matches(".*request [0-9]*7$"), 1723050000000L, BASE + 100_000, false, 9);
        assertThat(want).hasSize(9);
        assertThat(entries(body, false)).isEqualTo(want);
    }

    @Test
    void aSelectorWithoutServiceReadsTheCatalogueWithinTheFanOutLimit() throws Exception {
        JsonNode body = ok("/loki/api/v1/query_range?query=" + q("{service=~\"w.*\", level=\"WARN\"}")
                + "&start=" + BASE * NS + "&end=" + (BASE + 200_000) * NS + "&limit=5000&direction=FORWARD");
        assertThat(entries(body, true)).isEqualTo(expected(r -> r.service().equals("web") && r.level() == LogLevel.WARN,
                BASE, BASE + 200_000, true, 5000));

        HttpResponse<String> tooWide = get("/loki/api/v1/query_range?query=" + q("{level=\"WARN\"}"), TestAuth.token());
        assertThat(tooWide.statusCode()).isEqualTo(400);
        assertThat(tooWide.body()).contains("3 services", "fan-out limit of 2");
    }

    @Test
    void labelsValuesAndSeriesComeFromTheCatalogueAndTheRecords() throws Exception {
        assertThat(ok("/loki/api/v1/labels").path("data").toString()).isEqualTo("[\"host\",\"level\",\"service\"]");
        assertThat(ok("/loki/api/v1/label/service/values").path("data").toString())
                .isEqualTo("[\"api\",\"ghost\",\"web\"]");
        assertThat(ok("/loki/api/v1/label/host/values?query=" + q("{service=\"web\"}")).path("data").toString())
                .isEqualTo("[\"host-2\"]");
        assertThat(ok("/loki/api/v1/label/level/values").path("data")).hasSize(6);

        JsonNode series = ok("/loki/api/v1/series?match[]=" + q("{service=\"web\",level=\"ERROR\"}")
                + "&start=" + BASE * NS + "&end=" + (BASE + 100_000) * NS);
        List<String> want = records.stream().filter(r -> r.service().equals("web") && r.level() == LogLevel.ERROR
                        && r.ts() < BASE + 100_000).map(r -> labels(r, false)).distinct().sorted().toList();
        List<String> got = new ArrayList<>();
        series.path("data").forEach(s -> got.add(s.toString()));
        assertThat(got).containsExactlyInAnyOrderElementsOf(want).isNotEmpty();
    }

    @Test
    void aTokenLimitedToOneServiceSeesOnlyThatService() throws Exception {
        String apiOnly = TestAuth.tokenFor("api");
        assertThat(json.readTree(get("/loki/api/v1/label/service/values", apiOnly).body()).path("data").toString())
                .isEqualTo("[\"api\"]");
        assertThat(get("/loki/api/v1/query_range?query=" + q("{service=\"web\"}"), apiOnly).statusCode()).isEqualTo(403);
        JsonNode viaCatalogue = json.readTree(get("/loki/api/v1/query_range?query=" + q("{service=~\".+\"}")
                + "&start=" + BASE * NS + "&end=" + (BASE + 100_000) * NS + "&limit=5000", apiOnly).body());
        assertThat(viaCatalogue.path("data").path("result").findValuesAsText("service")).containsOnly("api");
        assertThat(get("/loki/api/v1/labels", null).statusCode()).isEqualTo(401);
    }

    @Test
    void unsupportedQueriesAndBadParametersAre400InLokisShapeNamingTheProblem() throws Exception {
        Map<String, String> cases = Map.of(
                "{service=\"api\"} | distinct host", "| distinct",
                "{service=\"api\"} | unwrap n", "unwrap at col 19 takes a range aggregation",
                "{app=\"api\"}", "label app is not supported",
                "{service=\"api\"} |~ \"(\"", "invalid regular expression",
                "{service=\"api\"", "expected , or }");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> response = get("/loki/api/v1/query_range?query=" + q(c.getKey()), TestAuth.token());
            assertThat(response.statusCode()).as(c.getKey()).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                    assertThat(type).startsWith("text/plain"));
            assertThat(response.body()).as(c.getKey()).contains(c.getValue());
        }
        for (String params : List.of("limit=5001", "limit=0", "direction=sideways", "start=yesterday",
                "start=2000&end=1000", "since=forever")) {
            HttpResponse<String> response = get("/loki/api/v1/query_range?query=" + q("{service=\"api\"}") + "&"
                    + params, TestAuth.token());
            assertThat(response.statusCode()).as(params).isEqualTo(400);
        }
    }

    @Test
    void grafanasHealthQueryAndBuildInfoAnswer() throws Exception {
        JsonNode health = ok("/loki/api/v1/query?query=" + q("vector(1)+vector(1)"));
        assertThat(health.path("data").path("result").get(0).path("value").get(1).asText()).isEqualTo("2");
        assertThat(get("/loki/api/v1/status/buildinfo", TestAuth.token()).body()).contains("\"version\"");
    }
}
