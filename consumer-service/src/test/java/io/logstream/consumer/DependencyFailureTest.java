package io.logstream.consumer;

import io.logstream.localaws.ConsumerProperties;
import io.logstream.localaws.LocalAws;

import io.logstream.localaws.TcpProxy;
import io.logstream.model.DeadLetter;
import io.logstream.model.LogErrorEvent;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Dependencies failing under a running consumer: nothing lost, nothing checkpointed early. */
class DependencyFailureTest {
    private final ConsumerHarness<LocalAws> harness = ConsumerHarness.local(2);

    @AfterEach
    void stop() {
        harness.close();
    }

    private List<LogErrorEvent> events(String prefix) {
        return harness.aws.eventBridge().acceptedEvents().stream()
                .filter(e -> e.eventBusName().equals(harness.eventBus))
                .map(e -> LogErrorEvent.fromDetailJson(e.detail()))
                .filter(e -> e.service().startsWith(prefix + "-")).toList();
    }

    @Test
    void eventBridgeFailuresResendOnlyTheFailedEntriesAndDeadLetterWhatStaysUndelivered() {
        harness.startConsumer(Map.of(ConsumerProperties.ALERT_MAX_ATTEMPTS, 4));
        harness.aws.eventBridge().failEntriesContaining("undeliverable");
        List<String> records = ConsumerHarness.validRecords("partial", 30, "ERROR");
        List<String> doomed = ConsumerHarness.validRecords("partial-undeliverable", 5, "FATAL");
        harness.put(java.util.stream.Stream.concat(records.stream(), doomed.stream())
                .map(r -> r.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toList(), "same-batch");

        await().atMost(Duration.ofSeconds(60)).until(() -> harness.itemCount() == 35);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(harness.deadLetters()).hasSize(5));
        assertThat(harness.deadLetters()).allSatisfy(d -> {
            assertThat(d.reason()).isEqualTo("alert-undelivered");
            assertThat(new String(d.payloadBytesDecoded())).contains("partial-undeliverable");
        });
        // the good entries of the same calls were delivered exactly once: resends carried only the failed ones
        Map<String, Long> deliveries = events("partial").stream()
                .collect(Collectors.groupingBy(LogErrorEvent::message, Collectors.counting()));
        assertThat(deliveries).hasSize(30).allSatisfy((message, count) -> assertThat(count).isEqualTo(1L));

        // a whole-service outage: alerts exhaust their budget and are dead-lettered; later alerts flow again
        harness.aws.eventBridge().failAllRequests(500);
        harness.putJson(ConsumerHarness.validRecords("outage", 5, "ERROR"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(harness.deadLetters()).hasSize(10));
        harness.aws.eventBridge().recover();
        harness.putJson(ConsumerHarness.validRecords("after", 5, "ERROR"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(events("after")).hasSize(5));
        assertThat(harness.itemCount()).isEqualTo(45);
    }

    @Test
    void withEventBridgeRequiredTheCheckpointWaitsForTheAlerts() {
        harness.startConsumer(Map.of(ConsumerProperties.ALERTS_REQUIRED, true));
        List<PutRecordsResultEntry> warmup = harness.putJson(ConsumerHarness.validRecords("warm", 4, "INFO"));
        await().atMost(Duration.ofSeconds(60)).until(() ->
                harness.checkpointedThrough(harness.applicationName, ConsumerHarness.lastSequencePerShard(warmup)));

        harness.aws.eventBridge().failAllRequests(503);
        List<PutRecordsResultEntry> put = harness.putJson(ConsumerHarness.validRecords("required", 6, "ERROR"));
        Map<String, BigInteger> sequences = ConsumerHarness.lastSequencePerShard(put);
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.itemsOf("required").size() == 6);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() ->
                harness.checkpointedBefore(harness.applicationName, sequences));
        assertThat(events("required")).isEmpty();

        harness.aws.eventBridge().recover();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(events("required")).hasSize(6));
        await().atMost(Duration.ofSeconds(30)).until(() -> harness.checkpointedThrough(harness.applicationName, sequences));
        assertThat(harness.deadLetters()).isEmpty();
    }

    @Test
    void aDynamoDbOutageStallsTheShardsUntilItReturnsAndLosesNothing() throws Exception {
        try (TcpProxy dynamo = new TcpProxy(harness.aws.dynamoDbPort())) {
            ApplicationContext consumer = harness.startConsumer(Map.of("aws.services.dynamodb.endpoint-override",
                    dynamo.endpoint().toString()));
            harness.putJson(ConsumerHarness.validRecords("before", 20, "INFO"));
            await().atMost(Duration.ofSeconds(60)).until(() -> harness.itemCount() == 20);

            dynamo.cut();
            List<PutRecordsResultEntry> put = harness.putJson(ConsumerHarness.validRecords("during", 50, "WARN"));
            Map<String, BigInteger> sequences = ConsumerHarness.lastSequencePerShard(put);
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).until(() ->
                    harness.itemCount() == 20 && harness.checkpointedBefore(harness.applicationName, sequences));
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    ConsumerHarness.baseUrl(consumer).resolve("/health/readiness")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).contains("dynamodb");
            // an outage is not cured by a restart: liveness stays up
            assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(ConsumerHarness.baseUrl(consumer)
                    .resolve("/health/liveness")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

            dynamo.restore();
            await().atMost(Duration.ofSeconds(90)).until(() -> harness.itemCount() == 70);
            await().atMost(Duration.ofSeconds(60)).until(() -> harness.checkpointedThrough(harness.applicationName, sequences));
            assertThat(harness.itemsOf("during")).hasSize(50);
            assertThat(harness.deadLetters()).isEmpty();
        }
    }
}
