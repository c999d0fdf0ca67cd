package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.model.Buckets;
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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads of a write-sharded service on DynamoDB Local: its records spread over the buckets of three epochs (1 → 4 →
 * 16 → 2 keys) exactly as the consumer writes them, and every read, REST pages walked by cursor in both directions
 * with and without level filters, Loki's log and metric queries, and the catalogue, is compared with the records
 * that were put. Pages straddle every bucket-count change.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShardedReadsTest implements TestPropertyProvider {
    private static final long T = 1_723_050_000_000L;
    private static final long NS = 1_000_000L;
    private static final LogLevel[] LEVELS = {LogLevel.INFO, LogLevel.DEBUG, LogLevel.WARN, LogLevel.ERROR,
            LogLevel.INFO, LogLevel.FATAL, LogLevel.TRACE};
    static final Buckets.Table EPOCHS = Buckets.Table.of(List.of(new Buckets.Epoch(T + 1_000, 4),
            new Buckets.Epoch(T + 3_000, 16), new Buckets.Epoch(T + 6_000, 2)));

    private final ReadsFixture fixture = ReadsFixture.create("sharded");
    private final List<LogRecord> hot = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        for (int i = 0; i < 4_000; i++) {
            hot.add(new LogRecord("hot", LEVELS[i % LEVELS.length], "hot " + i, T + i * 2L, "h-" + i, null,
                    "host-" + i % 3, Map.of(), null));
        }
        fixture.storeSharded(hot, EPOCHS);
        // future-dated on arrival: in bucket 0 whatever the epoch says
        List<LogRecord> ahead = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ahead.add(new LogRecord("hot", LogLevel.ERROR, "ahead " + i, T + 4_000 + i * 3L + 1, "a-" + i, null, null,
                    Map.of(), null));
        }
        fixture.store(ahead);
        hot.addAll(ahead);
        List<LogRecord> quiet = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            quiet.add(new LogRecord("quiet", LogLevel.INFO, "quiet " + i, T + i * 40L, "q-" + i, null, null, Map.of(),
                    null));
        }
        fixture.store(quiet);
        for (Buckets.Epoch epoch : EPOCHS.epochs()) {
            fixture.epoch("hot", epoch);
        }
        fixture.catalogue(LedgerKeys.SERVICES_PK, "hot", T);
        fixture.catalogue(LedgerKeys.SERVICES_PK, "quiet", T);
        fixture.watermark("shardId-000000000000", T + 60_000, false);
        return fixture.queryProperties();
    }

    private JsonNode ok(String path) throws Exception {
        HttpResponse<String> response = ApiClient.get(server.getURI(), path);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    /** Every page of a REST read, following nextCursor, as ids in the order served; also counts the pages. */
    private List<String> walk(String query, List<Integer> pageSizes) throws Exception {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = ok("/v1/services/hot/logs?" + query
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)));
            page.path("items").forEach(item -> ids.add(item.path("id").asText()));
            pageSizes.add(page.path("items").size());
            cursor = page.path("nextCursor").isNull() ? null : page.path("nextCursor").asText();
        } while (cursor != null);
        return ids;
    }

    private List<String> expected(Predicate<LogRecord> keep, boolean newestFirst) {
        Comparator<LogRecord> order = Comparator.comparing(LogRecord::sortKey);
        return hot.stream().filter(keep).sorted(newestFirst ? order.reversed() : order).map(LogRecord::id).toList();
    }

    @Test
    void theHotServicesRecordsLieInEveryBucketOfTheirEpochsAndTheQuietOneKeepsItsKey() {
        int stored = 0;
        for (int bucket = 0; bucket < 16; bucket++) {
            int items = fixture.itemsOf(Buckets.partitionKey("hot", bucket)).size();
            assertThat(items).as("bucket " + bucket).isPositive();
            stored += items;
        }
        assertThat(stored).isEqualTo(hot.size());
        assertThat(fixture.itemsOf("quiet")).hasSize(200);
        assertThat(fixture.itemsOf("quiet#1")).isEmpty();
    }

    @Test
    void walkingTheCursorsReturnsEveryRecordOnceInOrderAcrossBucketChanges() throws Exception {
        List<Integer> pages = new ArrayList<>();
        assertThat(walk("limit=37&direction=forward", pages)).containsExactlyElementsOf(expected(r -> true, false));
        assertThat(pages.size()).isGreaterThan(100);
        assertThat(walk("limit=50&from=" + (T + 500) + "&to=" + (T + 7_000), new ArrayList<>()))
                .containsExactlyElementsOf(expected(r -> r.ts() >= T + 500 && r.ts() <= T + 7_000, true));
    }

    @Test
    void levelFiltersOnTheIndexAndOnTheTableAreExactAcrossBuckets() throws Exception {
        assertThat(walk("limit=23&direction=forward&level=ERROR,FATAL", new ArrayList<>()))
                .containsExactlyElementsOf(expected(r -> r.level() == LogLevel.ERROR || r.level() == LogLevel.FATAL,
                        false));
        Set<LogLevel> mixed = Set.of(LogLevel.INFO, LogLevel.ERROR);
        assertThat(walk("limit=41&level=INFO,ERROR&from=" + (T + 2_000), new ArrayList<>()))
                .containsExactlyElementsOf(expected(r -> mixed.contains(r.level()) && r.ts() >= T + 2_000, true));
    }

    @Test
    void theLatestPageIsTheNewestRecordsOverEveryBucket() throws Exception {
        JsonNode page = ok("/v1/services/hot/logs?limit=50");
        List<String> ids = new ArrayList<>();
        page.path("items").forEach(item -> ids.add(item.path("id").asText()));
        assertThat(ids).containsExactlyElementsOf(expected(r -> true, true).subList(0, 50));
    }

    @Test
    void lokiLogAndMetricQueriesCountEveryBucket() throws Exception {
        String selector = URLEncoder.encode("{service=\"hot\", level=~\"WARN|ERROR\"}", StandardCharsets.UTF_8);
        JsonNode logs = ok("/loki/api/v1/query_range?query=" + selector + "&limit=5000&direction=forward&start="
                + (T - 1_000) * NS + "&end=" + (T + 20_000) * NS);
        List<Long> times = new ArrayList<>();
        logs.path("data").path("result").forEach(stream -> stream.path("values")
                .forEach(value -> times.add(Long.parseLong(value.get(0).asText()) / NS)));
        assertThat(times).containsExactlyInAnyOrderElementsOf(hot.stream()
                .filter(r -> r.level() == LogLevel.WARN || r.level() == LogLevel.ERROR).map(LogRecord::ts).toList());

        String count = URLEncoder.encode("sum by (level) (count_over_time({service=\"hot\"}[1m]))", StandardCharsets.UTF_8);
        JsonNode counted = ok("/loki/api/v1/query?query=" + count + "&time=" + (T + 30_000) * NS);
        Map<String, Long> byLevel = new TreeMap<>();
        counted.path("data").path("result").forEach(series -> byLevel.put(series.path("metric").path("level").asText(),
                Long.parseLong(series.path("value").get(1).asText())));
        Map<String, Long> put = new TreeMap<>();
        hot.forEach(r -> put.merge(r.level().name(), 1L, Long::sum));
        assertThat(byLevel).isEqualTo(put);
    }

    @Test
    void theCatalogueShowsEachServicesBucketsNow() throws Exception {
        Map<String, Integer> buckets = new TreeMap<>();
        ok("/v1/services").path("services").forEach(service -> buckets.put(service.path("service").asText(),
                service.path("buckets").asInt()));
        assertThat(buckets).isEqualTo(Map.of("hot", 2, "quiet", 1));
    }
}
