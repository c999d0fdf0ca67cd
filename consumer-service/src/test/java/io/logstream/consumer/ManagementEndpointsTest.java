package io.logstream.consumer;

import io.logstream.localaws.LocalAws;

import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The consumer's management port serves health and metrics only, health without details unless configured, and
 * liveness that fails when the KCL scheduler thread is gone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementEndpointsTest {
    private final ConsumerHarness<LocalAws> harness = ConsumerHarness.local(2);
    private final HttpClient http = HttpClient.newHttpClient();
    private ApplicationContext consumer;

    @BeforeAll
    void start() {
        // production defaults for the management endpoints (the harness shows health details to anyone)
        consumer = harness.startConsumer(Map.of("endpoints.health.details-visible", "NEVER"));
    }

    @AfterAll
    void stop() {
        harness.close();
    }

    private HttpResponse<String> send(ApplicationContext context, String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(ConsumerHarness.baseUrl(context).resolve(path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void onlyHealthAndMetricsAnswerAndHealthHidesItsDetails() throws Exception {
        for (String path : List.of("/health", "/health/liveness", "/health/readiness")) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(send(consumer, "GET", path).statusCode()).as(path).isEqualTo(200));
            assertThat(send(consumer, "GET", path).body()).as(path).doesNotContain("shardId").doesNotContain("worker")
                    .doesNotContain(harness.table);
        }
        assertThat(send(consumer, "GET", "/prometheus").statusCode()).isEqualTo(200);
        for (String path : List.of("/beans", "/routes", "/threaddump", "/env", "/loggers", "/info", "/metrics",
                "/refresh", "/stop", "/caches")) {
            assertThat(send(consumer, "GET", path).statusCode()).as("GET %s", path).isEqualTo(404);
        }
        assertThat(send(consumer, "POST", "/refresh").statusCode()).isIn(404, 405);
        assertThat(send(consumer, "POST", "/stop").statusCode()).isIn(404, 405);
    }

    @Test
    void metricsAreInBaseUnitsWithSnakeCaseKclNames() throws Exception {
        harness.putJson(ConsumerHarness.validRecords("metered", 20, "INFO"));
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.itemsOf("metered").size() == 20);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String metrics = send(consumer, "GET", "/prometheus").body();
            assertThat(metrics).contains("logstream_shard_lag_seconds{shard=\"shardId-000000000000\"}")
                    .doesNotContain("millis_behind_latest");
            List<String> kcl = metrics.lines().filter(l -> l.startsWith("kcl_")).toList();
            assertThat(kcl).isNotEmpty().allSatisfy(line ->
                    assertThat(line.substring(0, line.indexOf('{') > 0 ? line.indexOf('{') : line.indexOf(' ')))
                            .matches("kcl_[a-z0-9_]+"));
            assertThat(metrics).contains("# HELP kcl_");
        });
    }

    @Test
    void aDeadSchedulerFailsLivenessSoTheOrchestratorRestartsIt() throws Exception {
        ApplicationContext doomed = harness.startConsumer(Map.of("log-stream.test.scheduler-dies", true));
        try {
            // the crash is the point: it must not be rethrown into this thread by Awaitility
            await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                HttpResponse<String> liveness = send(doomed, "GET", "/health/liveness");
                assertThat(liveness.statusCode()).isEqualTo(503);
                assertThat(liveness.body()).contains("schedulerThreadAlive").contains("false");
            });
            assertThat(send(doomed, "GET", "/health").statusCode()).isEqualTo(503);
            assertThat(send(consumer, "GET", "/health/liveness").statusCode()).isEqualTo(200);
        } finally {
            // a shutdown (SIGTERM runs the same hook) does not wait for a graceful stop no loop will ever answer: it
            // once took 35 s, past Kubernetes' 30 s grace period
            long began = System.nanoTime();
            harness.stop(doomed);
            assertThat(Duration.ofNanos(System.nanoTime() - began)).as("shutdown after the scheduler died")
                    .isLessThan(Duration.ofSeconds(10));
        }
    }

}
