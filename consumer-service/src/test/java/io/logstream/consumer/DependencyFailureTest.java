package io.logstream.consumer;

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
    private final Pipeline<LocalAws> pipeline = Pipeline.local(2);

    @AfterEach
    void stop() {
        pipeline.close();
    }

    private List<LogErrorEvent> events(String prefix) {
        return pipeline.aws.eventBridge().acceptedEvents().stream()
                .filter(e -> e.eventBusName().equals(pipeline.eventBus))
                .map(e -> LogErrorEvent.fromDetailJson(e.detail()))
                .filter(e -> e.service().startsWith(prefix + "-")).toList();
    }

    @Test
    void eventBridgeFailuresResendOnlyTheFailedEntriesAndDeadLetterWhatStaysUndelivered() {
        pipeline.startConsumer(Map.of("log-stream.alert-max-attempts", 4));
        pipeline.aws.eventBridge().failEntriesContaining("undeliverable");
        List<String> records = Pipeline.validRecords("partial", 30, "ERROR");
        List<String> doomed = Pipeline.validRecords("partial-undeliverable", 5, "FATAL");
        pipeline.put(java.util.stream.Stream.concat(records.stream(), doomed.stream())
                .map(r -> r.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toList(), "same-batch");

        await().atMost(Duration.ofSeconds(60)).until(() -> pipeline.itemCount() == 35);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(pipeline.deadLetters()).hasSize(5));
        assertThat(pipeline.deadLetters()).allSatisfy(d -> {
            assertThat(d.reason()).isEqualTo("alert-undelivered");
            assertThat(new String(d.payloadBytesDecoded())).contains("partial-undeliverable");
        });
        // the good entries of the same calls were delivered exactly once: resends carried only the failed ones
        Map<String, Long> deliveries = events("partial").stream()
                .collect(Collectors.groupingBy(LogErrorEvent::message, Collectors.counting()));
        assertThat(deliveries).hasSize(30).allSatisfy((message, count) -> assertThat(count).isEqualTo(1L));

        // a whole-service outage: alerts exhaust their budget and are dead-lettered; later alerts flow again
        pipeline.aws.eventBridge().failAllRequests(500);
        pipeline.putJson(Pipeline.validRecords("outage", 5, "ERROR"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(pipeline.deadLetters()).hasSize(10));
        pipeline.aws.eventBridge().recover();
        pipeline.putJson(Pipeline.validRecords("after", 5, "ERROR"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(events("after")).hasSize(5));
        assertThat(pipeline.itemCount()).isEqualTo(45);
    }

    @Test
    void withEventBridgeRequiredTheCheckpointWaitsForTheAlerts() {
        pipeline.startConsumer(Map.of("log-stream.eventbridge-required", true));
        List<PutRecordsResultEntry> warmup = pipeline.putJson(Pipeline.validRecords("warm", 4, "INFO"));
        await().atMost(Duration.ofSeconds(60)).until(() ->
                pipeline.checkpointedThrough(pipeline.applicationName, Pipeline.lastSequencePerShard(warmup)));

        pipeline.aws.eventBridge().failAllRequests(503);
        List<PutRecordsResultEntry> put = pipeline.putJson(Pipeline.validRecords("required", 6, "ERROR"));
        Map<String, BigInteger> sequences = Pipeline.lastSequencePerShard(put);
        await().atMost(Duration.ofSeconds(60)).until(() -> pipeline.itemsOf("required").size() == 6);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() ->
                pipeline.checkpointedBefore(pipeline.applicationName, sequences));
        assertThat(events("required")).isEmpty();

        pipeline.aws.eventBridge().recover();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(events("required")).hasSize(6));
        await().atMost(Duration.ofSeconds(30)).until(() -> pipeline.checkpointedThrough(pipeline.applicationName, sequences));
        assertThat(pipeline.deadLetters()).isEmpty();
    }

    @Test
    void aDynamoDbOutageStallsTheShardsUntilItReturnsAndLosesNothing() throws Exception {
        try (TcpProxy dynamo = new TcpProxy(pipeline.aws.dynamoDbPort())) {
            ApplicationContext consumer = pipeline.startConsumer(Map.of("aws.services.dynamodb.endpoint-override",
                    dynamo.endpoint().toString()));
            pipeline.putJson(Pipeline.validRecords("before", 20, "INFO"));
            await().atMost(Duration.ofSeconds(60)).until(() -> pipeline.itemCount() == 20);

            dynamo.cut();
            List<PutRecordsResultEntry> put = pipeline.putJson(Pipeline.validRecords("during", 50, "WARN"));
            Map<String, BigInteger> sequences = Pipeline.lastSequencePerShard(put);
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).until(() ->
                    pipeline.itemCount() == 20 && pipeline.checkpointedBefore(pipeline.applicationName, sequences));
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    Pipeline.baseUrl(consumer).resolve("/health/readiness")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).contains("dynamodb");
            // an outage is not cured by a restart: liveness stays up
            assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(Pipeline.baseUrl(consumer)
                    .resolve("/health/liveness")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

            dynamo.restore();
            await().atMost(Duration.ofSeconds(90)).until(() -> pipeline.itemCount() == 70);
            await().atMost(Duration.ofSeconds(60)).until(() -> pipeline.checkpointedThrough(pipeline.applicationName, sequences));
            assertThat(pipeline.itemsOf("during")).hasSize(50);
            assertThat(pipeline.deadLetters()).isEmpty();
        }
    }
}
