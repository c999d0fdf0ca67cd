package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.rules.AlertEvaluator;
import io.logstream.query.rules.AlertmanagerNotifier;
import io.logstream.query.rules.RuleGroups;
import io.logstream.query.rules.Rules;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An alerting rule over records on DynamoDB Local, sent to a real Prometheus Alertmanager (Debian's
 * {@code prometheus-alertmanager}, started by this test): pending for its {@code for}, firing once (not again within
 * the resend minute), resolved when the records stop; and an alert raised while Alertmanager is down reaches it once
 * it is back.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlertRulesTest implements TestPropertyProvider {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final ReadsFixture fixture = ReadsFixture.create("alerts");
    private final ObjectMapper json = new ObjectMapper();
    private final long base = (System.currentTimeMillis() / 60_000) * 60_000 - 600_000; // ten minutes ago
    private Process alertmanager;
    private int port;
    private Path work;

    @Inject
    EmbeddedServer server;
    @Inject
    AlertEvaluator evaluator;
    @Inject
    AlertmanagerNotifier notifier;
    @Inject
    Rules rules;

    @Override
    public Map<String, String> getProperties() {
        try {
            work = Files.createTempDirectory("alerts");
            port = freePort();
            startAlertmanager();
            // checkout: an ERROR a second for the first five minutes, INFO throughout
            List<LogRecord> records = new ArrayList<>();
            for (int s = 0; s < 600; s++) {
                if (s < 300) {
                    records.add(new LogRecord("checkout", LogLevel.ERROR, "payment failed " + s, base + s * 1000L + 500,
                            "e-" + s, null, "web-1", Map.of(), null));
                }
                records.add(new LogRecord("checkout", LogLevel.INFO, "ok " + s, base + s * 1000L + 250, "i-" + s, null,
                        "web-1", Map.of(), null));
            }
            fixture.store(records);
            fixture.catalogue(LedgerKeys.SERVICES_PK, "checkout", base);
            fixture.watermark("shardId-000000000000", System.currentTimeMillis() + 3_600_000, false);
            Path file = work.resolve("platform.yaml");
            Files.writeString(file, """
                    groups:
                      - name: checkout
                        interval: 1m
                        rules:
                          - alert: CheckoutErrors
                            expr: sum by (service) (count_over_time({service="checkout", level="ERROR"}[1m])) > 30
                            for: 2m
                            labels: {severity: page}
                            annotations: {summary: checkout errors}
                    """);
            Map<String, String> properties = fixture.queryProperties();
            properties.put("log-stream.rules.file", file.toString());
            properties.put("log-stream.rules.evaluate", "false"); // this test evaluates at the instants it chooses
            properties.put("log-stream.rules.alertmanager-url", "http://127.0.0.1:" + port);
            return properties;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Debian's prometheus-alertmanager (CI installs it), one route to a receiver that does nothing. */
    private void startAlertmanager() throws IOException {
        String binary = Stream.of("/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager")
                .filter(path -> Files.isExecutable(Path.of(path))).findFirst()
                .orElseThrow(() -> new IllegalStateException("Prometheus Alertmanager is not installed: "
                        + "apt-get install prometheus-alertmanager (.ci/run does)"));
        Path config = work.resolve("alertmanager.yml");
        Files.writeString(config, "route:\n  receiver: none\n  group_wait: 0s\nreceivers:\n  - name: none\n");
        alertmanager = new ProcessBuilder(binary, "--config.file=" + config, "--storage.path=" + work.resolve("am-" + System.nanoTime()),
                "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address=")
                .redirectErrorStream(true).redirectOutput(work.resolve("alertmanager.log").toFile()).start();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> get("/-/ready").statusCode() == 200);
    }

    @AfterAll
    void stopAlertmanager() {
        if (alertmanager != null) {
            alertmanager.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Alertmanager's active alerts named {@code name}. */
    private List<JsonNode> active(String name) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode alert : json.readTree(get("/api/v2/alerts").body())) {
            if (alert.path("labels").path("alertname").asText().equals(name)) {
                out.add(alert);
            }
        }
        return out;
    }

    private Instant at(int seconds) {
        return Instant.ofEpochMilli(base + seconds * 1000L);
    }

    @Test
    void anAlertIsPendingForItsForThenFiresOnceAndResolvesAtAlertmanager() throws Exception {
        RuleGroups.Group group = rules.all().get(0);
        assertThat(evaluator.evaluate(group, at(60))).as("60 errors in the minute: pending").isEmpty();
        assertThat(evaluator.state(group, 0).state()).isEqualTo("pending");
        assertThat(evaluator.evaluate(group, at(120))).as("active for 1 of its 2 minutes").isEmpty();
        List<AlertmanagerNotifier.Alert> fired = evaluator.evaluate(group, at(180));
        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).labels()).isEqualTo(Map.of("alertname", "CheckoutErrors", "service", "checkout",
                "severity", "page"));
        assertThat(fired.get(0).startsAt()).isEqualTo(at(60));
        assertThat(evaluator.state(group, 0).state()).isEqualTo("firing");
        assertThat(evaluator.evaluate(group, at(200))).as("no resend within the minute").isEmpty();

        await().atMost(Duration.ofSeconds(20)).until(() -> active("CheckoutErrors").size() == 1);
        JsonNode received = active("CheckoutErrors").get(0);
        assertThat(received.path("labels").path("severity").asText()).isEqualTo("page");
        assertThat(received.path("annotations").path("summary").asText()).isEqualTo("checkout errors");
        assertThat(Instant.parse(received.path("startsAt").asText())).isEqualTo(at(60));
        assertThat(received.path("status").path("state").asText()).isEqualTo("active");

        HttpResponse<String> listed = ApiClient.get(server.getURI(), "/prometheus/api/v1/alerts", TestAuth.token());
        JsonNode alerts = json.readTree(listed.body()).path("data").path("alerts");
        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).path("state").asText()).isEqualTo("firing");
        assertThat(alerts.get(0).path("value").asText()).isEqualTo("60");

        // no errors after 300 s: at 420 s the minute (360, 420] has none
        List<AlertmanagerNotifier.Alert> resolved = evaluator.evaluate(group, at(420));
        assertThat(resolved).hasSize(1);
        assertThat(resolved.get(0).endsAt()).isEqualTo(at(420));
        assertThat(evaluator.state(group, 0).state()).isEqualTo("inactive");
        await().atMost(Duration.ofSeconds(20)).until(() -> active("CheckoutErrors").isEmpty());
        assertThat(evaluator.evaluate(group, at(400))).as("an instant before the last evaluation is skipped")
                .isEmpty();
    }

    @Test
    void anAlertRaisedWhileAlertmanagerIsDownReachesItWhenItIsBack() throws Exception {
        RuleGroups.Group other = new RuleGroups.Group("platform", "outage", 60_000_000_000L, List.of(
                new RuleGroups.Rule("CheckoutBusy", null, "count_over_time({service=\"checkout\"}[1m]) > 0",
                        io.logstream.query.logql.LogQlParser.parseMetric(
                                "sum(count_over_time({service=\"checkout\"}[1m])) > 0"), 0, Map.of(), Map.of())));
        alertmanager.destroy();
        alertmanager.waitFor();
        long before = notifier.sent();
        assertThat(evaluator.evaluate(other, at(90))).hasSize(1); // for 0: fires at once, queued
        Thread.sleep(2_500); // the notifier tries and backs off while nothing listens
        assertThat(notifier.sent()).isEqualTo(before);
        startAlertmanager(); // a fresh Alertmanager on the same port, with empty storage
        await().atMost(Duration.ofSeconds(60)).until(() -> active("CheckoutBusy").size() == 1);
        assertThat(notifier.dropped()).isZero();
    }
}
