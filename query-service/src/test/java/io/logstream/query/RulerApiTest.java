package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.rules.AlertQueue;
import io.logstream.query.rules.RuleEvaluator;
import io.logstream.query.rules.RuleGroups;
import io.logstream.query.rules.Rules;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loki's ruler API on DynamoDB Local: groups written, listed, replaced and deleted per namespace, stored for every
 * replica, refused when the token may not read a rule's services; recording rules read back through the Loki API
 * (one the counts answer, from the counts; one they cannot, from what its evaluations wrote), each value compared
 * with what the stored records say; and an alert's annotations templated from its labels and value.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RulerApiTest implements TestPropertyProvider {
    private static final long MIN = 60_000;
    private static final long BASE = 1_723_050_000_000L - 1_723_050_000_000L % MIN;
    private final ReadsFixture fixture = ReadsFixture.create("ruler");
    private final List<LogRecord> records = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();

    @Inject
    EmbeddedServer server;
    @Inject
    Rules rules;
    @Inject
    RuleEvaluator evaluator;

    @Override
    public Map<String, String> getProperties() {
        for (int i = 0; i < 1200; i++) { // every second for 20 minutes; checkout's errors every 3rd, timeouts every 7th
            String service = i % 4 == 0 ? "payments" : "checkout";
            LogLevel level = i % 3 == 0 ? LogLevel.ERROR : LogLevel.INFO;
            records.add(new LogRecord(service, level, (i % 7 == 0 ? "timeout " : "ok ") + i, BASE + i * 1000L + 500,
                    "r-" + i, null, "web-" + (i % 2), Map.of(), null));
        }
        fixture.store(records);
        fixture.counts(records, "shardId-000000000000");
        fixture.catalogue(LedgerKeys.SERVICES_PK, "checkout", BASE);
        fixture.catalogue(LedgerKeys.SERVICES_PK, "payments", BASE);
        fixture.watermark("shardId-000000000000", BASE + 60 * MIN, BASE + 60 * MIN, false);
        Map<String, String> properties = fixture.queryProperties();
        properties.put("log-stream.rules.evaluate", "false"); // this test evaluates at the instants it chooses
        return properties;
    }

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.getURI() + path))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/yaml");
        }
        return ApiClient.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final String GROUP = """
            name: checkout-slo
            interval: 1m
            rules:
              - record: checkout:errors:count1m
                expr: sum by (service) (count_over_time({service="checkout", level="ERROR"}[1m]))
                labels: {team: shop}
              - record: checkout:timeouts:count1m
                expr: sum by (host) (count_over_time({service="checkout"} |= "timeout" [1m]))
              - alert: CheckoutErrorsHigh
                expr: sum by (service) (count_over_time({service="checkout", level="ERROR"}[1m])) > 10
                annotations:
                  summary: "{{ $labels.service }} logged {{ $value }} errors"
                  runbook: plain text
            """;

    @Test
    void aGroupIsWrittenListedStoredReplacedAndDeleted() throws Exception {
        HttpResponse<String> written = send("POST", "/loki/api/v1/rules/team-a", TestAuth.tokenFor("checkout"),
                GROUP.replace("checkout-slo", "written"));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(202);
        assertThat(json.readTree(written.body()).path("status").asText()).isEqualTo("success");

        HttpResponse<String> listed = ApiClient.get(server.getURI(), "/loki/api/v1/rules/team-a/written",
                TestAuth.tokenFor("checkout"));
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        Map<String, Object> group = new Yaml().load(listed.body());
        assertThat(group).containsEntry("name", "written").containsEntry("interval", "60s");
        assertThat((List<?>) group.get("rules")).hasSize(3);
        JsonNode prometheus = json.readTree(ApiClient.get(server.getURI(), "/prometheus/api/v1/rules",
                TestAuth.tokenFor("checkout")).body());
        assertThat(prometheus.path("data").path("groups").findValuesAsText("name")).contains("written");
        assertThat(ApiClient.get(server.getURI(), "/loki/api/v1/rules/team-a", TestAuth.tokenFor("payments"))
                .statusCode()).as("a token that may not read checkout does not see the group").isEqualTo(404);

        // stored for every replica: the item, with the services its writer could read
        var item = fixture.itemsOf(LedgerKeys.RULES_PK).stream()
                .filter(i -> i.get("sk").s().equals("team-a#written")).findFirst().orElseThrow();
        assertThat(item.get(LedgerKeys.RULES_OWNER).ss()).containsExactly("checkout");
        assertThat(item.get(LedgerKeys.RULES_YAML).s()).contains("checkout:errors:count1m");

        HttpResponse<String> replaced = send("POST", "/loki/api/v1/rules/team-a", TestAuth.tokenFor("checkout"),
                "name: written\nrules:\n  - record: checkout:all:count1m\n"
                        + "    expr: sum(count_over_time({service=\"checkout\"}[1m]))\n");
        assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(202);
        assertThat(rules.all().stream().filter(g -> g.name().equals("written")).findFirst().orElseThrow().rules())
                .extracting(RuleGroups.Rule::name).containsExactly("checkout:all:count1m");

        assertThat(send("DELETE", "/loki/api/v1/rules/team-a/written", TestAuth.tokenFor("payments"), null)
                .statusCode()).as("only a token that may read the group deletes it").isEqualTo(404);
        HttpResponse<String> deleted = send("DELETE", "/loki/api/v1/rules/team-a/written",
                TestAuth.tokenFor("checkout"), null);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(202);
        HttpResponse<String> gone = ApiClient.get(server.getURI(), "/loki/api/v1/rules/team-a/written",
                TestAuth.token());
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(gone.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(fixture.itemsOf(LedgerKeys.RULES_PK)).noneMatch(i -> i.get("sk").s().equals("team-a#written"));
    }

    @Test
    void writesAreRefusedWhenTheTokenMayNotReadTheRulesServicesOrTheGroupIsBad() throws Exception {
        HttpResponse<String> forbidden = send("POST", "/loki/api/v1/rules/team-b", TestAuth.tokenFor("payments"),
                GROUP);
        assertThat(forbidden.statusCode()).as(forbidden.body()).isEqualTo(403);
        HttpResponse<String> everything = send("POST", "/loki/api/v1/rules/team-b", TestAuth.tokenFor("checkout"),
                "name: all\nrules:\n  - alert: AnyError\n    expr: sum(count_over_time({service=~\".+\"}[1m])) > 0\n");
        assertThat(everything.statusCode()).as("service=~\".+\" reads every service").isEqualTo(403);
        HttpResponse<String> bad = send("POST", "/loki/api/v1/rules/team-b", TestAuth.token(),
                "name: bad\nrules:\n  - alert: NoExpr\n  - record: not a name\n    expr: sum(rate({service=\"a\"}[1m]))\n"
                        + "  - alert: BadTemplate\n    expr: sum(rate({service=\"a\"}[1m])) > 1\n"
                        + "    annotations: {summary: \"{{ $labels.x \"}\n");
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
        assertThat(bad.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(bad.body()).contains("NoExpr", "record must be a metric name", "annotation summary");
        HttpResponse<String> badNamespace = send("POST", "/loki/api/v1/rules/a%23b", TestAuth.token(), GROUP);
        assertThat(badNamespace.statusCode()).as(badNamespace.body()).isEqualTo(400);
        HttpResponse<String> anonymous = ApiClient.http().send(HttpRequest.newBuilder(
                        URI.create(server.getURI() + "/loki/api/v1/rules/team-b"))
                .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(GROUP)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(fixture.itemsOf(LedgerKeys.RULES_PK)).noneMatch(i -> i.get("sk").s().startsWith("team-b#"));
    }

    @Test
    void recordedSeriesAreReadThroughTheLokiApiExactlyAndAlertsAreTemplated() throws Exception {
        HttpResponse<String> written = send("POST", "/loki/api/v1/rules/team-c", TestAuth.tokenFor("checkout"),
                GROUP);
        assertThat(written.statusCode()).as(written.body()).isEqualTo(202);
        RuleGroups.Group group = rules.all().stream().filter(g -> g.name().equals("checkout-slo")).findFirst()
                .orElseThrow();
        // the timeouts rule has a line filter: the counts cannot answer it, so its evaluations are what it records
        List<AlertQueue.Alert> fired = List.of();
        for (int minute = 1; minute <= 20; minute++) {
            List<AlertQueue.Alert> out = evaluator.evaluate(group, Instant.ofEpochMilli(BASE + minute * MIN));
            if (!out.isEmpty() && fired.isEmpty()) {
                fired = out;
            }
        }
        assertThat(evaluator.state(group, 1).health()).isEqualTo("ok");
        assertThat(fired).isNotEmpty();
        long errorsInFirstMinute = records.stream().filter(r -> r.service().equals("checkout")
                && r.level() == LogLevel.ERROR && r.ts() > BASE && r.ts() <= BASE + MIN).count();
        assertThat(fired.get(0).annotations()).containsEntry("summary",
                "checkout logged " + errorsInFirstMinute + " errors").containsEntry("runbook", "plain text");

        long start = BASE + 2 * MIN;
        long end = BASE + 20 * MIN;
        // counted at ingest: the value at each minute from the counts
        JsonNode counted = range("checkout:errors:count1m", start, end);
        assertThat(counted).hasSize(1);
        assertThat(counted.get(0).path("metric")).isEqualTo(json.valueToTree(Map.of("__name__",
                "checkout:errors:count1m", "service", "checkout", "team", "shop")));
        assertValues(counted.get(0), start, end, (from, to) -> records.stream().filter(r ->
                r.service().equals("checkout") && r.level() == LogLevel.ERROR && r.ts() > from && r.ts() <= to)
                .count());
        // evaluated and written: one series per host, read with a matcher
        JsonNode evaluated = range("checkout:timeouts:count1m{host=\"web-1\"}", start, end);
        assertThat(evaluated).hasSize(1);
        assertThat(evaluated.get(0).path("metric").path("host").asText()).isEqualTo("web-1");
        assertValues(evaluated.get(0), start, end, (from, to) -> records.stream().filter(r ->
                r.service().equals("checkout") && "web-1".equals(r.host()) && r.message().contains("timeout")
                        && r.ts() > from && r.ts() <= to).count());
        assertThat(fixture.itemsOf("#recorded#checkout:timeouts:count1m")).isNotEmpty();
        assertThat(fixture.itemsOf("#recorded#checkout:errors:count1m")).as("the counts keep it").isEmpty();

        HttpResponse<String> unknown = ApiClient.get(server.getURI(), "/loki/api/v1/query?query="
                + URLEncoder.encode("no:such:rule", StandardCharsets.UTF_8), TestAuth.token());
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(400);
        assertThat(unknown.body()).contains("no recording rule named no:such:rule");
        HttpResponse<String> hidden = ApiClient.get(server.getURI(), "/loki/api/v1/query?query="
                + URLEncoder.encode("checkout:errors:count1m", StandardCharsets.UTF_8), TestAuth.tokenFor("payments"));
        assertThat(hidden.statusCode()).as("a token that may not read checkout").isEqualTo(400);
    }

    private JsonNode range(String query, long start, long end) throws Exception {
        HttpResponse<String> response = ApiClient.get(server.getURI(), "/loki/api/v1/query_range?query="
                + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&start=" + start * 1_000_000L + "&end="
                + end * 1_000_000L + "&step=60", TestAuth.token());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body()).path("data").path("result");
    }

    private interface Reference {
        long count(long fromExclusive, long toInclusive);
    }

    private static void assertValues(JsonNode series, long start, long end, Reference reference) {
        Map<Long, String> got = new TreeMap<>();
        series.path("values").forEach(v -> got.put(Math.round(v.get(0).asDouble() * 1000), v.get(1).asText()));
        Map<Long, String> want = new TreeMap<>();
        for (long t = start; t <= end; t += MIN) {
            long n = reference.count(t - MIN, t);
            if (n > 0) {
                want.put(t, Long.toString(n));
            }
        }
        assertThat(got).isEqualTo(want);
    }
}
