package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.localaws.LocalAws;
import io.logstream.model.Counts;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.retention.DeleteProcessor;
import io.logstream.query.store.AuditTable;
import io.logstream.query.store.DeleteRequestTable;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Loki's delete API on DynamoDB Local: 10,000 records of 100,000 deleted by a selector and a line filter, by a
 * processor in a process of its own that is killed with SIGKILL mid-delete and taken over by this one; the rest of the
 * table byte-identical, the counts equal to the records left, the request's tally exact. And the API's rules: admins
 * only, problems for bad requests, cancellation until a request starts, an audit record for every action, records
 * that arrived after a request left alone.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeleteApiTest implements TestPropertyProvider {
    private static final long MIN = 60_000;
    private static final long BASE = 1_723_050_000_000L - 1_723_050_000_000L % MIN;
    private static final String SHARD = "shardId-000000000000";
    private static final int RECORDS = 100_000;
    private static final String SELECTED = "{service=\"checkout\"} |= \"user-42\"";
    private final ReadsFixture fixture = ReadsFixture.create("deletes");
    private final List<LogRecord> records = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();
    private final String admin = TestAuth.IDENTITY.adminToken("test-admin");

    @Inject
    EmbeddedServer server;
    @Inject
    DeleteProcessor processor;
    @Inject
    DeleteRequestTable requests;
    @Inject
    AuditTable audit;

    @Override
    public Map<String, String> getProperties() {
        for (int i = 0; i < RECORDS; i++) { // every 60 ms for 100 minutes
            String service = switch (i % 5) {
                case 0, 1 -> "checkout";
                case 2 -> "payments";
                case 3 -> "search";
                default -> "users";
            };
            // every 10th record is checkout's and names user-42: 10,000 of them; payments names user-42 too
            String user = i % 10 == 0 || i % 10 == 2 ? "user-42" : "user-" + (100 + i % 97);
            LogLevel level = LogLevel.values()[i % LogLevel.values().length];
            records.add(new LogRecord(service, level, "order " + i + " for " + user, BASE + i * 60L, "r-" + i,
                    null, i % 11 == 0 ? null : "web-" + (i % 3), Map.of("user", user), BASE));
        }
        IntStream.range(0, 20).parallel().forEach(part ->
                fixture.store(records.subList(part * RECORDS / 20, (part + 1) * RECORDS / 20)));
        fixture.counts(records, SHARD);
        for (String service : List.of("checkout", "payments", "search", "users")) {
            fixture.catalogue(LedgerKeys.SERVICES_PK, service, BASE);
        }
        fixture.watermark(SHARD, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4, false);
        Map<String, String> properties = fixture.queryProperties();
        properties.put("log-stream.deletes.process", "false"); // the tests process when they choose
        properties.put("log-stream.deletes.cancel-period", "0s");
        properties.put("log-stream.deletes.lease", "3s");
        properties.put("log-stream.deletes.write-units-per-second", "100000");
        properties.put("log-stream.deletes.read-units-per-second", "100000");
        return properties;
    }

    private HttpResponse<String> send(String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.getURI() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return ApiClient.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String deletePath(String query, long startSeconds) {
        return "/loki/api/v1/delete?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&start="
                + startSeconds;
    }

    /** Every record item of the table (not the counts, ledger and requests, whose keys start with #), by key. */
    private Map<String, Map<String, AttributeValue>> recordItems() {
        Map<String, Map<String, AttributeValue>> items = new TreeMap<>();
        LocalAws.shared().dynamoDb().scanPaginator(b -> b.tableName(fixture.table())).items().forEach(item -> {
            String pk = item.get(LogKeys.PK).s();
            if (!pk.startsWith("#")) {
                items.put(pk + "|" + item.get(LogKeys.SK).s(), item);
            }
        });
        return items;
    }

    /** Each count item's non-zero tallies: per minute for a level item, per host for a host item. */
    private static Map<String, String> tallies(List<Map<String, AttributeValue>> items) {
        Map<String, String> out = new TreeMap<>();
        for (Map<String, AttributeValue> item : items) {
            String key = item.get(LogKeys.PK).s() + "|" + item.get(LogKeys.SK).s();
            if (key.startsWith(Counts.HOSTS_PREFIX)) {
                Counts.hostsOf(item).forEach((host, tally) -> {
                    if (!tally.isEmpty()) {
                        out.put(key + "|" + host, tally.toString());
                    }
                });
            } else {
                Counts.levelMinutes(item).forEach((minute, tally) -> {
                    if (!tally.isEmpty()) {
                        out.put(key + "|" + minute, tally.toString());
                    }
                });
            }
        }
        return out;
    }

    private Map<String, String> storedTallies() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (String service : List.of("checkout", "payments", "search", "users")) {
            items.addAll(fixture.itemsOf(Counts.levelsPk(service)));
            items.addAll(fixture.itemsOf(Counts.hostsPk(service)));
        }
        return tallies(items);
    }

    private static Map<String, String> expectedTallies(List<LogRecord> left) {
        Map<String, List<LogRecord>> byService = new TreeMap<>();
        left.forEach(r -> byService.computeIfAbsent(r.service(), k -> new ArrayList<>()).add(r));
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        byService.forEach((service, of) -> items.addAll(Counts.items(service, of, Counts.position("1", 0), SHARD)));
        return tallies(items);
    }

    private DeleteRequestTable.Request only(String query) {
        List<DeleteRequestTable.Request> matching = requests.all().stream().filter(r -> r.query().equals(query))
                .toList();
        assertThat(matching).hasSize(1);
        return matching.get(0);
    }

    @Test
    @Order(1)
    void tenThousandOfAHundredThousandAreDeletedExactlyThroughAKillDashNine() throws Exception {
        Map<String, Map<String, AttributeValue>> before = recordItems();
        assertThat(before).hasSize(RECORDS);
        assertThat(storedTallies()).isEqualTo(expectedTallies(records));

        HttpResponse<String> created = send("POST", deletePath(SELECTED, BASE / 1000), admin);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(204);
        DeleteRequestTable.Request request = only(SELECTED);
        assertThat(request.status()).isEqualTo("received");
        HttpResponse<String> meanwhile = ApiClient.get(server.getURI(), "/loki/api/v1/query?query="
                + URLEncoder.encode("count_over_time({service=\"users\"}[1m])", StandardCharsets.UTF_8)
                + "&time=" + (BASE / 1000 + 60), TestAuth.token());
        assertThat(meanwhile.statusCode()).as(meanwhile.body()).isEqualTo(200);
        assertThat(meanwhile.headers().firstValue("X-Deletes-Pending")).as("readers see a delete is pending")
                .hasValue("1");

        // another process takes the request at a budget slow enough to be killed mid-way
        Path work = Files.createTempDirectory("deletes");
        Map<String, String> properties = fixture.storageProperties();
        properties.put("log-stream.auth.mode", "none");
        properties.put("log-stream.deletes.process", "false");
        properties.put("log-stream.deletes.cancel-period", "0s");
        properties.put("log-stream.deletes.lease", "3s");
        properties.put("log-stream.deletes.write-units-per-second", "1500");
        properties.put("log-stream.deletes.read-units-per-second", "100000");
        properties.put("log-stream.deletes.owner", "deleter-to-kill");
        Process child = ChildService.command(DeleteProcess.class, properties, work.resolve("deleter.properties"))
                .redirectOutput(work.resolve("out.txt").toFile()).start();
        long deletedAtKill;
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !child.isAlive() || requests.get(request.id()).orElseThrow().deleted() >= 2_000);
            assertThat(child.isAlive()).as(Files.readString(work.resolve("out.txt"))).isTrue();
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, the lease is not released
            child.waitFor(30, TimeUnit.SECONDS);
        }
        DeleteRequestTable.Request killed = requests.get(request.id()).orElseThrow();
        deletedAtKill = killed.deleted();
        assertThat(killed.status()).isEqualTo("processing");
        assertThat(killed.holder()).isEqualTo("deleter-to-kill");
        assertThat(deletedAtKill).as("killed mid-delete").isBetween(2_000L, 9_999L);

        // this replica takes it over once the lease has run out, and goes on from the cursor
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            processor.processDue();
            return requests.get(request.id()).orElseThrow().status().equals("processed");
        });
        DeleteRequestTable.Request done = requests.get(request.id()).orElseThrow();
        assertThat(done.deleted()).as("each record deleted and tallied once").isEqualTo(10_000);
        assertThat(done.epoch()).as("taken twice").isEqualTo(2);

        List<LogRecord> left = new ArrayList<>();
        Map<String, Map<String, AttributeValue>> expected = new TreeMap<>();
        for (int i = 0; i < RECORDS; i++) {
            LogRecord record = records.get(i);
            String key = record.service() + "|" + record.sortKey();
            if (!(record.service().equals("checkout") && record.message().contains("user-42"))) {
                left.add(record);
                expected.put(key, before.get(key));
            }
        }
        assertThat(left).hasSize(90_000);
        Map<String, Map<String, AttributeValue>> after = recordItems();
        assertThat(after.keySet()).isEqualTo(expected.keySet());
        assertThat(after).as("the records left are byte-identical").isEqualTo(expected);
        assertThat(storedTallies()).as("the counts equal the records left").isEqualTo(expectedTallies(left));

        // the Loki API answers from the counts what the records say
        HttpResponse<String> counted = ApiClient.get(server.getURI(), "/loki/api/v1/query?query="
                + URLEncoder.encode("sum(count_over_time({service=\"checkout\"}[120m]))", StandardCharsets.UTF_8)
                + "&time=" + (BASE / 1000 + 120 * 60), TestAuth.token());
        assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);
        assertThat(counted.headers().firstValue("X-Deletes-Pending")).as("and that it is done").hasValue("0");
        assertThat(json.readTree(counted.body()).path("data").path("result").get(0).path("value").get(1).asText())
                .isEqualTo(Long.toString(left.stream().filter(r -> r.service().equals("checkout")).count()));

        HttpResponse<String> listed = send("GET", "/loki/api/v1/delete", admin);
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        JsonNode entry = null;
        for (JsonNode candidate : json.readTree(listed.body())) {
            if (candidate.path("request_id").asText().equals(request.id())) {
                entry = candidate;
            }
        }
        assertThat(entry).isNotNull();
        assertThat(entry.path("status").asText()).isEqualTo("processed");
        assertThat(entry.path("deleted_lines").asLong()).isEqualTo(10_000);
        assertThat(entry.path("query").asText()).isEqualTo(SELECTED);
        assertThat(audit.latest(100)).anySatisfy(a -> {
            assertThat(a.action()).isEqualTo("delete.processed");
            assertThat(a.details()).containsEntry("request_id", request.id()).containsEntry("deleted", "10000");
            assertThat(a.actor()).isEqualTo("test-admin");
        });
    }

    @Test
    @Order(2)
    void onlyAdminsMayDeleteAndEveryBadRequestIsAProblem() throws Exception {
        String reader = TestAuth.token();
        for (String method : List.of("POST", "GET", "DELETE")) {
            HttpResponse<String> refused = send(method, "/loki/api/v1/delete?query=%7Bservice%3D%22users%22%7D&start=0"
                    + "&request_id=x", reader);
            assertThat(refused.statusCode()).as(method + " " + refused.body()).isEqualTo(403);
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(send(method, "/loki/api/v1/delete", null).statusCode()).isEqualTo(401);
        }
        for (String path : List.of("/loki/api/v1/delete?start=0", // no query
                deletePath("sum(count_over_time({service=\"users\"}[1m]))", 0), // not a log query
                deletePath("{service=\"users\"", 0), // does not parse
                "/loki/api/v1/delete?query=%7Bservice%3D%22users%22%7D", // no start
                deletePath("{service=\"users\"}", 0) + "&end=yesterday",
                deletePath("{service=\"users\"}", 2_000_000_000L) + "&end=1000000000")) {
            HttpResponse<String> bad = send("POST", path, admin);
            assertThat(bad.statusCode()).as(path + " " + bad.body()).isEqualTo(400);
            assertThat(bad.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        }
        HttpResponse<String> unknown = send("DELETE", "/loki/api/v1/delete?request_id=nope", admin);
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
        assertThat(requests.all().stream().filter(r -> r.query().contains("users"))).isEmpty();
    }

    @Test
    @Order(3)
    void aRequestIsCancellableUntilItStartsAndEveryActionIsAudited() throws Exception {
        String query = "{service=\"search\", level=\"ERROR\"}";
        assertThat(send("POST", deletePath(query, BASE / 1000), admin).statusCode()).isEqualTo(204);
        DeleteRequestTable.Request request = only(query);
        HttpResponse<String> cancelled = send("DELETE", "/loki/api/v1/delete?request_id=" + request.id(), admin);
        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(204);
        assertThat(requests.get(request.id()).orElseThrow().status()).isEqualTo("cancelled");
        processor.processDue();
        long searchErrors = records.stream().filter(r -> r.service().equals("search") && r.level() == LogLevel.ERROR)
                .count();
        assertThat(recordItems().keySet().stream().filter(k -> k.startsWith("search|")).count())
                .as("a cancelled request deletes nothing").isEqualTo(records.stream()
                        .filter(r -> r.service().equals("search")).count());
        assertThat(searchErrors).isPositive();

        // a processed request cannot be cancelled
        String processedQuery = "{service=\"users\", level=\"FATAL\"} | json | user=\"user-105\"";
        assertThat(send("POST", deletePath(processedQuery, BASE / 1000), admin).statusCode()).isEqualTo(204);
        DeleteRequestTable.Request second = only(processedQuery);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            processor.processDue();
            return requests.get(second.id()).orElseThrow().status().equals("processed");
        });
        long expected = records.stream().filter(r -> r.service().equals("users") && r.level() == LogLevel.FATAL
                && r.attributes().get("user").equals("user-105")).count();
        assertThat(expected).isPositive();
        assertThat(requests.get(second.id()).orElseThrow().deleted()).isEqualTo(expected);
        HttpResponse<String> late = send("DELETE", "/loki/api/v1/delete?request_id=" + second.id(), admin);
        assertThat(late.statusCode()).as(late.body()).isEqualTo(409);
        assertThat(late.headers().firstValue("Content-Type")).hasValue("application/problem+json");

        List<AuditTable.Entry> trail = audit.latest(100);
        assertThat(trail).anySatisfy(a -> assertThat(a.action() + a.details().get("request_id"))
                .isEqualTo("delete.requested" + request.id()));
        assertThat(trail).anySatisfy(a -> assertThat(a.action() + a.details().get("request_id"))
                .isEqualTo("delete.cancelled" + request.id()));
        assertThat(trail).anySatisfy(a -> assertThat(a.action() + a.details().get("request_id"))
                .isEqualTo("delete.processed" + second.id()));
    }

    @Test
    @Order(4)
    void recordsThatArriveAfterARequestAreLeftAlone() throws Exception {
        long now = System.currentTimeMillis();
        LogRecord before = new LogRecord("audit", LogLevel.INFO, "login user-9", now - 1000, "a-1", null, null,
                Map.of(), now - 500);
        fixture.store(List.of(before));
        String query = "{service=\"audit\"} |= \"user-9\"";
        assertThat(send("POST", deletePath(query, (now - 60_000) / 1000), admin).statusCode()).isEqualTo(204);
        LogRecord later = new LogRecord("audit", LogLevel.INFO, "login user-9 again", now - 900, "a-2", null, null,
                Map.of(), System.currentTimeMillis() + 1000);
        fixture.store(List.of(later));
        DeleteRequestTable.Request request = only(query);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            processor.processDue();
            return requests.get(request.id()).orElseThrow().status().equals("processed");
        });
        assertThat(requests.get(request.id()).orElseThrow().deleted()).isEqualTo(1);
        assertThat(fixture.itemsOf("audit")).extracting(item -> item.get(LogKeys.SK).s())
                .containsExactly(later.sortKey());
    }
}
