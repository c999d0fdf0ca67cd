package io.logstream.query;

import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The query API on DynamoDB Local, over items written with the shared key scheme. */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogsApiTest implements TestPropertyProvider {
    static final long BASE = 1723050000000L;
    private static final LogLevel[] LEVELS = LogLevel.values();

    private final ReadsFixture fixture = ReadsFixture.create("api");
    private final List<LogRecord> records = new ArrayList<>();
    private final String token = TestAuth.token();

    @Inject
    @Client("/")
    HttpClient client;

    @Override
    public Map<String, String> getProperties() {
        for (int i = 0; i < 300; i++) {
            String service = i % 3 == 0 ? "other" : "api";
            records.add(new LogRecord(service, LEVELS[i % LEVELS.length], "message " + i, BASE + i * 1000L,
                    "id-" + i, i % 2 == 0 ? "trace-" + i : null, "host-1", Map.of("n", i), BASE + i * 1000L + 5));
        }
        // two records in the same millisecond: the id breaks the tie
        records.add(new LogRecord("api", LogLevel.ERROR, "twin a", BASE + 1000L, "twin-a", null, null, Map.of(), null));
        fixture.store(records);
        Map<String, String> properties = fixture.queryProperties();
        properties.put("log-stream.cursor-secret", "a test secret of at least 32 characters");
        properties.putAll(TestAuth.properties());
        return properties;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> get(String path) {
        return client.toBlocking().retrieve(HttpRequest.GET(path).bearerAuth(token),
                Argument.mapOf(String.class, Object.class));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(Map<String, Object> page) {
        return (List<Map<String, Object>>) page.get("items");
    }

    private static List<String> ids(Map<String, Object> page) {
        return items(page).stream().map(i -> (String) i.get("id")).toList();
    }

    private List<String> expected(String service, Long from, Long to, Set<LogLevel> levels, boolean newestFirst) {
        Comparator<LogRecord> order = Comparator.comparing(LogRecord::sortKey);
        return records.stream().filter(r -> r.service().equals(service))
                .filter(r -> from == null || r.ts() >= from).filter(r -> to == null || r.ts() <= to)
                .filter(r -> levels.isEmpty() || levels.contains(r.level()))
                .sorted(newestFirst ? order.reversed() : order).map(LogRecord::id).toList();
    }

    /** Follows nextCursor to the end, returning every id in the order served. */
    private List<String> walk(String path, int limit) {
        List<String> all = new ArrayList<>();
        String separator = path.contains("?") ? "&" : "?";
        Map<String, Object> page = get(path + separator + "limit=" + limit);
        int pages = 1;
        all.addAll(ids(page));
        while (page.get("nextCursor") != null) {
            assertThat(items(page)).hasSizeLessThanOrEqualTo(limit);
            page = get(path + separator + "limit=" + limit + "&cursor="
                    + URLEncoder.encode((String) page.get("nextCursor"), StandardCharsets.UTF_8));
            all.addAll(ids(page));
            assertThat(pages++).isLessThan(1000);
        }
        return all;
    }

    @Test
    void recentIsTheLatestRecordsNewestFirstAsTheSeedQueryReturnsThem() {
        Map<String, Object> page = get("/v1/services/api/logs");
        List<String> stored = new ArrayList<>(fixture.itemsOf("api").stream().map(i -> LogKeys.idOf(i.get("sk").s())).toList());
        Collections.reverse(stored);
        List<String> seed = stored.subList(0, 50);
        assertThat(page.get("service")).isEqualTo("api");
        assertThat(ids(page)).hasSize(50).isEqualTo(seed).isEqualTo(expected("api", null, null, Set.of(), true).subList(0, 50));
        assertThat(page.get("nextCursor")).isNotNull();
        assertServedWhole(items(page));
    }

    @Test
    void everyReadServesEachRecordWhole() {
        // reads project the attributes a record is made of: base table, level index and level filter alike
        assertServedWhole(items(get("/v1/services/api/logs?limit=200")));
        assertServedWhole(items(get("/v1/services/api/logs?level=WARN,ERROR,FATAL&limit=200")));
        assertServedWhole(items(get("/v1/services/api/logs?level=INFO,ERROR&direction=forward&limit=200")));
    }

    /** Every field of every served item is the stored record's, and nothing else is served. */
    private void assertServedWhole(List<Map<String, Object>> served) {
        assertThat(served).isNotEmpty();
        for (Map<String, Object> item : served) {
            LogRecord stored = records.stream().filter(r -> r.id().equals(item.get("id"))).findFirst().orElseThrow();
            Map<String, Object> expected = new HashMap<>();
            expected.put("id", stored.id());
            expected.put("ts", stored.ts());
            expected.put("time", Instant.ofEpochMilli(stored.ts()).toString());
            expected.put("level", stored.level().name());
            expected.put("message", stored.message());
            if (stored.traceId() != null) {
                expected.put("traceId", stored.traceId());
            }
            if (stored.host() != null) {
                expected.put("host", stored.host());
            }
            if (!stored.attributes().isEmpty()) {
                expected.put("attributes", stored.attributes());
            }
            if (stored.ingestedAt() != null) {
                expected.put("ingestedAt", stored.ingestedAt());
            }
            assertThat(item).as(stored.id()).isEqualTo(expected);
        }
    }

    @Test
    void aWindowReturnsExactlyTheRecordsInsideItBoundsIncluded() {
        long from = BASE + 10_000;
        long to = BASE + 40_000;
        List<String> ids = walk("/v1/services/api/logs?from=" + from + "&to=" + Instant.ofEpochMilli(to), 1000);
        assertThat(ids).isEqualTo(expected("api", from, to, Set.of(), true));
        assertThat(ids).contains("id-10", "id-40").doesNotContain("id-9", "id-41");
        assertThat(walk("/v1/services/api/logs?direction=forward&from=" + from + "&to=" + to, 1000))
                .isEqualTo(expected("api", from, to, Set.of(), false));
        assertThat(walk("/v1/services/api/logs?to=" + to, 1000)).isEqualTo(expected("api", null, to, Set.of(), true));
        assertThat(walk("/v1/services/api/logs?direction=FORWARD&from=" + from, 1000))
                .isEqualTo(expected("api", from, null, Set.of(), false));
    }

    @Test
    void walkingTheCursorsReturnsEveryRecordOnceInOrder() {
        assertThat(walk("/v1/services/api/logs", 7)).isEqualTo(expected("api", null, null, Set.of(), true));
        assertThat(walk("/v1/services/api/logs?direction=forward&from=" + (BASE + 5000), 13))
                .isEqualTo(expected("api", BASE + 5000, null, Set.of(), false));
        assertThat(walk("/v1/services/api/logs?level=ERROR&level=FATAL", 4))
                .isEqualTo(expected("api", null, null, Set.of(LogLevel.ERROR, LogLevel.FATAL), true));
        assertThat(walk("/v1/services/api/logs?level=info,debug&direction=forward", 9))
                .isEqualTo(expected("api", null, null, Set.of(LogLevel.INFO, LogLevel.DEBUG), false));
    }

    @Test
    void levelFiltersKeepOnlyThoseLevels() {
        assertThat(walk("/v1/services/api/logs?level=error", 1000))
                .isEqualTo(expected("api", null, null, Set.of(LogLevel.ERROR), true)).contains("twin-a");
        assertThat(walk("/v1/services/api/logs?level=WARN,ERROR,FATAL&from=" + BASE + "&to=" + (BASE + 100_000), 1000))
                .isEqualTo(expected("api", BASE, BASE + 100_000, Set.of(LogLevel.WARN, LogLevel.ERROR, LogLevel.FATAL), true));
        assertThat(walk("/v1/services/api/logs?level=trace&level=warning", 1000))
                .isEqualTo(expected("api", null, null, Set.of(LogLevel.TRACE, LogLevel.WARN), true));
    }

    @Test
    void anUnknownServiceHasNoLogs() {
        Map<String, Object> page = get("/v1/services/nobody/logs");
        assertThat(items(page)).isEmpty();
        assertThat(page.get("nextCursor")).isNull();
    }

    private Map<String, Object> problem(String path) {
        HttpClientResponseException e = org.junit.jupiter.api.Assertions.assertThrows(
                HttpClientResponseException.class,
                () -> client.toBlocking().exchange(HttpRequest.GET(path).bearerAuth(token), String.class));
        assertThat(e.getStatus().getCode()).isEqualTo(400);
        assertThat(e.getResponse().getContentType().map(Object::toString)).hasValue("application/problem+json");
        @SuppressWarnings("unchecked")
        Map<String, Object> body = e.getResponse().getBody(Argument.mapOf(String.class, Object.class)).orElseThrow();
        assertThat(body).containsEntry("status", 400).containsKey("title").containsKey("detail");
        return body;
    }

    @SuppressWarnings("unchecked")
    private List<String> invalidNames(String path) {
        return ((List<Map<String, Object>>) problem(path).get("invalid-params")).stream()
                .map(p -> (String) p.get("name")).toList();
    }

    @Test
    void everyBadParameterIsA400ProblemNamingIt() {
        assertThat(invalidNames("/v1/services/api/logs?level=LOUD")).containsExactly("level");
        assertThat(invalidNames("/v1/services/api/logs?from=2024-08-07T18:00:00Z&to=2024-08-07T17:00:00Z"))
                .containsExactly("from");
        assertThat(invalidNames("/v1/services/api/logs?limit=0")).containsExactly("limit");
        assertThat(invalidNames("/v1/services/api/logs?limit=1001")).containsExactly("limit");
        assertThat(invalidNames("/v1/services/api/logs?limit=ten")).containsExactly("limit");
        assertThat(invalidNames("/v1/services/api/logs?limit=1&limit=2")).containsExactly("limit");
        assertThat(invalidNames("/v1/services/api/logs?from=yesterday")).containsExactly("from");
        assertThat(invalidNames("/v1/services/api/logs?to=99999999999999")).containsExactly("to");
        assertThat(invalidNames("/v1/services/api/logs?direction=sideways")).containsExactly("direction");
        assertThat(invalidNames("/v1/services/api/logs?limt=5")).containsExactly("limt");
        assertThat(invalidNames("/v1/services/bad%20name/logs")).containsExactly("service");
        assertThat(invalidNames("/v1/services/api/logs?cursor=garbage")).containsExactly("cursor");
        assertThat(invalidNames("/v1/services/api/logs?limit=0&level=LOUD&direction=up"))
                .containsExactlyInAnyOrder("limit", "level", "direction");
    }

    @Test
    void aCursorAlteredOrReusedForAnotherQueryIsRejected() {
        String cursor = (String) get("/v1/services/api/logs?limit=5").get("nextCursor");
        String[] parts = cursor.split("\\.");
        String tampered = parts[0].substring(0, parts[0].length() - 2)
                + (parts[0].endsWith("AA") ? "BB" : "AA") + "." + parts[1];
        assertThat(invalidNames("/v1/services/api/logs?cursor=" + tampered)).containsExactly("cursor");
        assertThat(invalidNames("/v1/services/other/logs?cursor=" + cursor)).containsExactly("cursor");
        assertThat(invalidNames("/v1/services/api/logs?level=ERROR&cursor=" + cursor)).containsExactly("cursor");
        assertThat(invalidNames("/v1/services/api/logs?direction=forward&cursor=" + cursor)).containsExactly("cursor");
        // a different page size is the same query
        assertThat(ids(get("/v1/services/api/logs?limit=3&cursor=" + cursor))).hasSize(3);
    }

    @Test
    void unknownRoutesAre404() {
        assertThatThrownBy(() -> client.toBlocking().exchange(HttpRequest.GET("/v1/nothing").bearerAuth(token),
                String.class))
                .isInstanceOfSatisfying(HttpClientResponseException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(404));
    }

    @Test
    void openApiHealthAndMetricsAreServed() {
        String spec = client.toBlocking().retrieve(HttpRequest.GET("/swagger/log-stream-query-api-1.yml").bearerAuth(token));
        assertThat(spec).contains("/v1/services/{service}/logs").contains("nextCursor").contains("cursor");
        assertThat(client.toBlocking().retrieve(HttpRequest.GET("/swagger-ui/index.html").bearerAuth(token)))
                .containsIgnoringCase("swagger");
        String health = client.toBlocking().retrieve(HttpRequest.GET("/health").bearerAuth(token));
        assertThat(health).contains("\"status\":\"UP\"").contains("dynamodb").contains(fixture.table());
        get("/v1/services/api/logs?limit=1");
        problem("/v1/services/api/logs?limit=0");
        String metrics = client.toBlocking().retrieve("/prometheus");
        assertThat(metrics.lines().filter(l -> l.startsWith("http_server_requests_seconds_bucket")
                && l.contains("uri=\"/v1/services/{service}/logs\"") && l.contains("status=\"200\""))).isNotEmpty();
        assertThat(metrics.lines().filter(l -> l.startsWith("http_server_requests_seconds_bucket")
                && l.contains("uri=\"/v1/services/{service}/logs\"") && l.contains("status=\"400\""))).isNotEmpty();
    }

    @Test
    void theServiceStaysUpAfterAllOfThat() {
        HttpResponse<String> response = client.toBlocking().exchange("/health", String.class);
        assertThat(response.code()).isEqualTo(200);
        assertThat(records.stream().map(LogRecord::service).collect(Collectors.toSet())).contains("api", "other");
    }
}
