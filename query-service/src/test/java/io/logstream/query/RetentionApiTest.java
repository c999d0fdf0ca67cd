package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.model.Counts;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogItemMapper;
import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.model.Retention;
import io.logstream.query.retention.RetentionJob;
import io.logstream.query.store.AuditTable;
import io.logstream.query.store.RetentionTable;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retention per service and level on DynamoDB Local: rules set through the admin API hide what they expire from
 * records and counts alike at once (the counts always equal what a read returns), the job rewrites every stored TTL,
 * a lengthened rule never shows what the shorter one had expired, and only an administrator may change them.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetentionApiTest implements TestPropertyProvider {
    private static final long MIN = 60_000;
    private static final long DAY = Retention.DAY_MILLIS;
    private static final long NOW = System.currentTimeMillis() / MIN * MIN;
    private final ReadsFixture fixture = ReadsFixture.create("retention");
    private final List<LogRecord> records = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();
    private final String admin = TestAuth.IDENTITY.adminToken("retention-admin");

    @Inject
    EmbeddedServer server;
    @Inject
    RetentionJob job;
    @Inject
    RetentionTable table;
    @Inject
    AuditTable audit;

    @Override
    public Map<String, String> getProperties() {
        int i = 0;
        for (long age : List.of(10 * DAY, 5 * DAY, DAY, 2 * MIN)) {
            for (LogLevel level : List.of(LogLevel.DEBUG, LogLevel.INFO, LogLevel.ERROR)) {
                for (String service : List.of("checkout", "audit")) {
                    for (int k = 0; k < 3; k++, i++) {
                        long ts = NOW - age - k * 1000L - 500;
                        records.add(new LogRecord(service, level, "event " + i, ts, "e-" + i, null,
                                k == 0 ? null : "web-" + k, Map.of(), ts));
                    }
                }
            }
        }
        fixture.store(records);
        fixture.counts(records, "shardId-000000000000");
        fixture.catalogue(LedgerKeys.SERVICES_PK, "checkout", NOW - 11 * DAY);
        fixture.catalogue(LedgerKeys.SERVICES_PK, "audit", NOW - 11 * DAY);
        fixture.watermark("shardId-000000000000", NOW + DAY, NOW + DAY, false);
        Map<String, String> properties = fixture.queryProperties();
        properties.put("log-stream.retention.default-days", "30");
        properties.put("log-stream.deletes.process", "false"); // the test runs the job when it chooses
        return properties;
    }

    private HttpResponse<String> put(String rules, String token) throws Exception {
        return ApiClient.http().send(HttpRequest.newBuilder(URI.create(server.getURI() + "/v1/admin/retention"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofString(rules)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Per level, the records of a service a Loki log query returns over the last 15 days. */
    private Map<String, Long> recordsRead(String service) throws Exception {
        HttpResponse<String> response = ApiClient.get(server.getURI(), "/loki/api/v1/query_range?limit=5000&query="
                + URLEncoder.encode("{service=\"" + service + "\"}", StandardCharsets.UTF_8) + "&start="
                + (NOW - 15 * DAY) / 1000 + "&end=" + (NOW + MIN) / 1000, TestAuth.token());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Map<String, Long> byLevel = new TreeMap<>();
        for (JsonNode stream : json.readTree(response.body()).path("data").path("result")) {
            byLevel.merge(stream.path("stream").path("level").asText(), (long) stream.path("values").size(), Long::sum);
        }
        return byLevel;
    }

    /** Per level, what the counts say of the same 15 days (a metric query the counts answer). */
    private Map<String, Long> counted(String service) throws Exception {
        long end = NOW + MIN;
        HttpResponse<String> response = ApiClient.get(server.getURI(), "/loki/api/v1/query?query="
                + URLEncoder.encode("sum by (level) (count_over_time({service=\"" + service + "\"}[15d]))",
                StandardCharsets.UTF_8) + "&time=" + end / 1000, TestAuth.token());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Map<String, Long> byLevel = new TreeMap<>();
        for (JsonNode sample : json.readTree(response.body()).path("data").path("result")) {
            byLevel.put(sample.path("metric").path("level").asText(), sample.path("value").get(1).asLong());
        }
        return byLevel;
    }

    private long expected(String service, LogLevel level, long keptMillis) {
        return records.stream().filter(r -> r.service().equals(service) && r.level() == level
                && Counts.minuteEnd(r.ts()) + keptMillis > System.currentTimeMillis()).count();
    }

    @Test
    void rulesHideRecordsAndCountsAlikeAndTheJobRewritesEveryTtl() throws Exception {
        assertThat(recordsRead("checkout")).isEqualTo(Map.of("DEBUG", 12L, "INFO", 12L, "ERROR", 12L));
        assertThat(counted("checkout")).isEqualTo(recordsRead("checkout"));

        HttpResponse<String> set = put("checkout:DEBUG=3d, audit=365d default=30d", admin);
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        assertThat(json.readTree(set.body()).path("job_pending").asBoolean()).isTrue();
        Thread.sleep(5_100); // the replica's cached rules

        // at once, before any TTL is rewritten: checkout's DEBUG records of 5 and 10 days ago are hidden, counts too
        Map<String, Long> read = recordsRead("checkout");
        assertThat(read).containsEntry("DEBUG", expected("checkout", LogLevel.DEBUG, 3 * DAY)).containsEntry("INFO", 12L);
        assertThat(read.get("DEBUG")).isEqualTo(6L);
        assertThat(counted("checkout")).as("the counts count what a read returns").isEqualTo(read);
        assertThat(recordsRead("audit")).isEqualTo(Map.of("DEBUG", 12L, "INFO", 12L, "ERROR", 12L));

        RetentionJob.Run run = job.run(table.read());
        assertThat(run.done()).isTrue();
        assertThat(run.rewritten()).isPositive();
        for (Map<String, AttributeValue> item : fixture.itemsOf("checkout")) {
            LogRecord record = LogItemMapper.fromItem(item);
            long days = record.level() == LogLevel.DEBUG ? 3 : 30;
            assertThat(item.get(LogItemMapper.EXPIRES_AT).n()).isEqualTo(Long.toString(
                    (Counts.minuteEnd(record.ts()) + days * DAY) / 1000));
        }
        for (Map<String, AttributeValue> item : fixture.itemsOf("audit")) {
            assertThat(Long.parseLong(item.get(LogItemMapper.EXPIRES_AT).n())).isEqualTo(
                    (Counts.minuteEnd(LogKeys.tsOf(item.get(LogKeys.SK).s())) + 365 * DAY) / 1000);
        }
        for (Map<String, AttributeValue> item : fixture.itemsOf(Counts.levelsPk("checkout"))) {
            assertThat(Long.parseLong(item.get(LogItemMapper.EXPIRES_AT).n())).as("the longest level's")
                    .isEqualTo((Counts.minuteEndOf(item.get(LogKeys.SK).s()) + 30 * DAY) / 1000);
        }
        assertThat(job.run(table.read()).rewritten()).as("a second run finds nothing to do").isZero();

        // lengthened: what 3 days expired stays hidden (DynamoDB may have removed it), the rest is kept 10 days
        assertThat(put("checkout:DEBUG=10d audit=365d default=30d", admin).statusCode()).isEqualTo(200);
        Thread.sleep(5_100);
        assertThat(recordsRead("checkout").get("DEBUG")).isEqualTo(6L);
        job.run(table.read());
        Thread.sleep(5_100);
        assertThat(recordsRead("checkout").get("DEBUG")).isEqualTo(6L);
        assertThat(counted("checkout")).isEqualTo(recordsRead("checkout"));
        for (Map<String, AttributeValue> item : fixture.itemsOf("checkout")) {
            LogRecord record = LogItemMapper.fromItem(item);
            if (record.level() == LogLevel.DEBUG) {
                assertThat(item.get(LogItemMapper.EXPIRES_AT).n()).isEqualTo(Long.toString(
                        (Counts.minuteEnd(record.ts()) + 10 * DAY) / 1000));
            }
        }
        assertThat(audit.latest(50)).extracting(AuditTable.Entry::action)
                .contains("retention.changed", "retention.applied");
    }

    @Test
    void onlyAdminsMayChangeRetentionAndABadRuleIsAProblem() throws Exception {
        HttpResponse<String> refused = put("checkout=1d", TestAuth.token());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(ApiClient.get(server.getURI(), "/v1/admin/retention", TestAuth.token()).statusCode()).isEqualTo(403);
        for (String bad : List.of("checkout:NOISE=3d", "checkout=3 weeks", "*=3d", "checkout=1d checkout=2d", "x y")) {
            HttpResponse<String> problem = put(bad, admin);
            assertThat(problem.statusCode()).as(bad + " " + problem.body()).isEqualTo(400);
            assertThat(problem.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        }
        HttpResponse<String> listed = ApiClient.get(server.getURI(), "/v1/admin/audit?limit=10", admin);
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        assertThat(json.readTree(listed.body()).isArray()).isTrue();
    }
}
