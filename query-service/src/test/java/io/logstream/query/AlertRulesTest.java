package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.rules.RuleEvaluator;
import io.logstream.query.rules.AlertQueue;
import io.logstream.query.rules.AlertmanagerNotifier;
import io.logstream.query.rules.RuleGroups;
import io.logstream.query.rules.Rules;
import io.logstream.query.loki.MetricEvaluator;
import io.logstream.query.store.Completeness;
import io.logstream.query.store.ReadBudgets;
import io.logstream.query.store.RecordedTable;
import io.logstream.query.store.RuleStateTable;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
    private Path rulesFile;

    @Inject
    EmbeddedServer server;
    @Inject
    RuleEvaluator evaluator;
    @Inject
    AlertmanagerNotifier notifier;
    @Inject
    Rules rules;
    @Inject
    ApplicationContext context;

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
                      - name: takeover
                        interval: 1m
                        rules:
                          - alert: CheckoutTakeover
                            expr: sum by (service) (count_over_time({service="checkout", level="ERROR"}[1m])) > 30
                            for: 2m
                      - name: paused
                        interval: 1m
                        rules:
                          - alert: CheckoutPaused
                            expr: sum by (service) (count_over_time({service="checkout", level="ERROR"}[1m])) > 30
                            for: 2m
                    """);
            rulesFile = file;
            Map<String, String> properties = fixture.queryProperties();
            properties.put("log-stream.rules.file", file.toString());
            properties.put("log-stream.rules.evaluate", "false"); // this test evaluates at the instants it chooses
            properties.put("log-stream.rules.alertmanager-url", "http://127.0.0.1:" + port);
            properties.put("log-stream.rules.lease", "3s");
            properties.put("log-stream.rules.event-bus", "alerts-bus"); // the local engines' EventBridge endpoint
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
        List<AlertQueue.Alert> fired = evaluator.evaluate(group, at(180));
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
        List<JsonNode> alerts = new ArrayList<>(); // this rule's: the other tests' groups have alerts of their own
        json.readTree(listed.body()).path("data").path("alerts").forEach(a -> {
            if (a.path("labels").path("alertname").asText().equals("CheckoutErrors")) {
                alerts.add(a);
            }
        });
        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).path("state").asText()).isEqualTo("firing");
        assertThat(alerts.get(0).path("value").asText()).isEqualTo("60");

        // still firing at 300 s: sent again to Alertmanager (a resend), not to EventBridge (no change)
        List<AlertQueue.Alert> resent = evaluator.evaluate(group, at(300));
        assertThat(resent).hasSize(1);
        assertThat(resent.get(0).change()).isFalse();
        // no errors after 300 s: at 420 s the minute (360, 420] has none
        List<AlertQueue.Alert> resolved = evaluator.evaluate(group, at(420));
        assertThat(resolved).hasSize(1);
        assertThat(resolved.get(0).endsAt()).isEqualTo(at(420));
        assertThat(evaluator.state(group, 0).state()).isEqualTo("inactive");
        await().atMost(Duration.ofSeconds(20)).until(() -> active("CheckoutErrors").isEmpty());
        // EventBridge heard each change once: AlertFiring, then AlertResolved, with the documented detail
        await().atMost(Duration.ofSeconds(20)).until(() -> events("CheckoutErrors").size() == 2);
        Thread.sleep(1_500); // nothing more arrives
        List<io.logstream.localaws.EventBridgeStub.ReceivedEvent> events = events("CheckoutErrors");
        assertThat(events).extracting(io.logstream.localaws.EventBridgeStub.ReceivedEvent::detailType)
                .containsExactly("AlertFiring", "AlertResolved");
        assertThat(events).allSatisfy(e -> assertThat(e.eventBusName()).isEqualTo("alerts-bus"));
        JsonNode firing = json.readTree(events.get(0).detail());
        assertThat(firing.path("status").asText()).isEqualTo("firing");
        assertThat(firing.path("labels").path("severity").asText()).isEqualTo("page");
        assertThat(firing.path("annotations").path("summary").asText()).isEqualTo("checkout errors");
        assertThat(Instant.parse(firing.path("startsAt").asText())).isEqualTo(at(60));
        JsonNode resolvedEvent = json.readTree(events.get(1).detail());
        assertThat(resolvedEvent.path("status").asText()).isEqualTo("resolved");
        assertThat(Instant.parse(resolvedEvent.path("endsAt").asText())).isEqualTo(at(420));
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

    /** The rules' events on the local engines' EventBridge for alerts named {@code name}, in arrival order. */
    private List<io.logstream.localaws.EventBridgeStub.ReceivedEvent> events(String name) {
        return io.logstream.localaws.LocalAws.shared().eventBridge().acceptedEvents().stream()
                .filter(e -> e.source().equals(io.logstream.query.rules.EventBridgeNotifier.SOURCE)
                        && e.detail().contains("\"alertname\":\"" + name + "\""))
                .toList();
    }

    private RuleGroups.Group group(String name) {
        return rules.all().stream().filter(g -> g.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void anEvaluatorKilledMidForIsTakenOverWithoutDroppingOrDoublingTheAlert() throws Exception {
        RuleGroups.Group group = group("takeover");
        Map<String, String> properties = fixture.storageProperties();
        properties.put("log-stream.auth.mode", "none");
        properties.put("log-stream.rules.file", rulesFile.toString());
        properties.put("log-stream.rules.evaluate", "false");
        properties.put("log-stream.rules.lease", "3s");
        properties.put("log-stream.rules.owner", "evaluator-to-kill");
        Process child = ChildService.command(EvaluatorProcess.class, properties, work.resolve("evaluator.properties"),
                "takeover", Long.toString(at(60).toEpochMilli())).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
            List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            String line = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    String read;
                    while ((read = out.readLine()) != null && !read.startsWith("evaluated ")
                            && !read.startsWith("failed ")) {
                        seen.add(read);
                    }
                    return read;
                } catch (IOException e) {
                    return "failed " + e;
                }
            }).completeOnTimeout("failed: nothing after 90 s", 90, java.util.concurrent.TimeUnit.SECONDS).get();
            assertThat(line).as(String.join("\n", seen)).isEqualTo("evaluated pending");

            // the other process holds the group: this one evaluates nothing, and lists what that one committed
            assertThat(evaluator.evaluate(group, at(120))).isEmpty();
            RuleEvaluator.RuleState committed = evaluator.state(group, 0);
            assertThat(committed.state()).isEqualTo("pending");
            assertThat(committed.alerts().get(0).activeAt()).isEqualTo(at(60));
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, the lease is not released
            child.waitFor();
        }
        // once the lease has run out this replica takes the group and goes on from the committed activeAt: the
        // 2-minute for ends at 180 s, not 2 minutes after the takeover, and the alert fires once
        List<AlertQueue.Alert> fired = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
            fired.addAll(evaluator.evaluate(group, at(180)));
            return !fired.isEmpty();
        });
        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).labels()).containsEntry("alertname", "CheckoutTakeover");
        assertThat(fired.get(0).startsAt()).isEqualTo(at(60));
        assertThat(evaluator.evaluate(group, at(200))).as("no resend within the minute").isEmpty();
        await().atMost(Duration.ofSeconds(20)).until(() -> active("CheckoutTakeover").size() == 1);
        assertThat(Instant.parse(active("CheckoutTakeover").get(0).path("startsAt").asText())).isEqualTo(at(60));
    }

    @Test
    void aHolderPausedPastItsLeaseFindsItsCommitRefusedAndSendsNothing() throws Exception {
        RuleGroups.Group group = group("paused");
        RuleEvaluator paused = new RuleEvaluator(rules, context.getBean(MetricEvaluator.class),
                context.getBean(ReadBudgets.class), context.getBean(Completeness.class), List.of(notifier),
                context.getBean(RuleStateTable.class), context.getBean(RecordedTable.class),
                context.getBean(io.micronaut.serde.ObjectMapper.class), java.time.Clock.systemUTC(),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), false,
                Duration.ofSeconds(3), "paused-holder");
        assertThat(paused.evaluate(group, at(60))).isEmpty();
        assertThat(paused.state(group, 0).state()).isEqualTo("pending");
        assertThat(evaluator.evaluate(group, at(120))).as("held by the other").isEmpty();
        Thread.sleep(3_500); // the holder stalls past its lease
        assertThat(evaluator.evaluate(group, at(120))).isEmpty(); // taken over: pending since 60 s, as committed
        assertThat(evaluator.state(group, 0).alerts().get(0).activeAt()).isEqualTo(at(60));
        assertThat(paused.evaluate(group, at(180))).as("the stalled holder's commit is refused").isEmpty();
        List<AlertQueue.Alert> fired = evaluator.evaluate(group, at(180));
        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).startsAt()).isEqualTo(at(60));
    }
}
