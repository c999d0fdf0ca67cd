package io.logstream.query;

import io.logstream.localaws.LogPayload;
import io.logstream.localaws.AwsEngines;
import io.logstream.localaws.ConsumerProperties;
import io.logstream.model.LogKeys;
import io.logstream.query.rules.AlertQueue;
import io.logstream.query.rules.RuleEvaluator;
import io.logstream.query.rules.RuleGroups;
import io.logstream.query.rules.Rules;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Records put on the stream go through the real consumer-service (its jar, in its own JVM) and come back through the
 * query API (the application context {@code @MicronautTest} starts) exactly as the seed's DynamoDB queries see them.
 * Subclasses choose the AWS-compatible engines both services run against.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ThroughConsumerCase implements TestPropertyProvider {
    private static final long BASE = 1723050000000L;
    private AwsEngines aws;
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String stream = "it-" + suffix;
    private final String table = "it-logs-" + suffix;
    private final ObjectMapper json = new ObjectMapper();
    private Process consumer;
    private int starts;
    private Path jar;
    private Path testClasses;
    private URI api;

    @Inject
    EmbeddedServer server;
    @Inject
    RuleEvaluator evaluator;
    @Inject
    Rules rules;

    /** The engines both services run against; called once, before the query service starts. */
    protected abstract AwsEngines engines();

    private record Sent(String id, long ts) {
    }

    private final List<Sent> checkout = new ArrayList<>();

    @Override
    public Map<String, String> getProperties() {
        aws = engines();
        aws.createStream(stream, 2);
        aws.createLogsTable(table);
        aws.createLeaseTable("it-app-" + suffix);
        queue = aws.createQueue("it-dlq-" + suffix);
        Map<String, String> queryProperties = new HashMap<>();
        aws.serviceProperties().forEach((key, value) -> queryProperties.put(key, value.toString()));
        queryProperties.put("log-stream.table", table);
        queryProperties.put("log-stream.stream", stream);
        queryProperties.put("micronaut.server.port", "-1");
        queryProperties.putAll(TestAuth.properties());
        queryProperties.put("log-stream.rules.evaluate", "false"); // the rules test evaluates at the instants it picks
        return queryProperties;
    }

    private String queue;

    @BeforeAll
    void start() throws Exception {
        api = server.getURI();
        jar = Path.of(System.getProperty("logstream.consumer.jar"));
        testClasses = Path.of(System.getProperty("logstream.consumer.testClasses"));
        assertThat(jar).as("consumer jar (built by mvn verify)").exists();
        startConsumer();

        List<String> payloads = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            String service = i % 5 == 0 ? "payments" : "checkout";
            payloads.add(LogPayload.of(service).level(i % 7 == 0 ? "ERROR" : "INFO").message("order " + i)
                    .ts(BASE + i * 1000L).json());
        }
        List<PutRecordsRequestEntry> entries = payloads.stream().map(p -> PutRecordsRequestEntry.builder()
                .data(SdkBytes.fromUtf8String(p)).partitionKey(UUID.randomUUID().toString()).build()).toList();
        List<PutRecordsResultEntry> results = aws.kinesis().putRecords(b -> b.streamName(stream).records(entries)).records();
        for (int i = 0; i < 150; i++) {
            if (i % 5 != 0) {
                checkout.add(new Sent(LogKeys.derivedId(results.get(i).shardId(), results.get(i).sequenceNumber(), 0),
                        BASE + i * 1000L));
            }
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (consumer != null) {
            stopConsumer();
        }
    }

    /** Items that are records, not the catalogue's or the watermark's bookkeeping. */
    private int logItems() {
        return aws.dynamoDb().scan(b -> b.tableName(table).filterExpression("NOT begins_with(pk, :hash)")
                .expressionAttributeValues(Map.of(":hash", AttributeValue.fromS("#")))).count();
    }

    private JsonNode get(String pathAndQuery) throws Exception {
        HttpResponse<String> response = send(pathAndQuery);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json.readTree(response.body());
        if (body.has("completeUntil")) {
            assertThat(response.headers().firstValue("X-Complete-Until")).hasValue(body.path("completeUntil").asText());
        }
        return body;
    }

    private HttpResponse<String> send(String pathAndQuery) throws Exception {
        return ApiClient.get(api, pathAndQuery);
    }

    private Instant watermark() throws Exception {
        return Instant.parse(send("/v1/services").headers().firstValue("X-Complete-Until").orElseThrow());
    }

    private void startConsumer() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Daws.accessKeyId=local", "-Daws.secretAccessKey=local"));
        Map<String, Object> properties = new HashMap<>(aws.serviceProperties());
        properties.put("micronaut.server.port", "-1");
        properties.putAll(ConsumerProperties.wiring(stream, "it-app-" + suffix, table, queue));
        properties.putAll(ConsumerProperties.fastForTests());
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        // the consumer's test classes bring the fast-start scheduler the consumer tests use
        command.addAll(List.of("-cp", jar + java.io.File.pathSeparator + testClasses,
                "io.logstream.consumer.ConsumerApplication"));
        Path log = Path.of("target", "consumer-" + getClass().getSimpleName() + "-" + (++starts) + ".log");
        Files.createDirectories(log.getParent());
        consumer = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private void stopConsumer() throws Exception {
        consumer.destroy();
        if (!consumer.waitFor(30, TimeUnit.SECONDS)) {
            consumer.destroyForcibly().waitFor();
        }
        consumer = null;
    }

    @Test
    @Order(2)
    void theWatermarkStopsWithTheConsumerAnswersSayIncompleteAndItCatchesUpAfterARestart() throws Exception {
        Instant before = Instant.now();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                watermark().isAfter(before));
        JsonNode page = get("/v1/services/checkout/logs?limit=1&to=" + before.minusSeconds(1).toEpochMilli());
        assertThat(page.path("complete").asBoolean()).as("a window that ended before the watermark is complete").isTrue();
        assertThat(get("/v1/services").path("services").findValuesAsText("service"))
                .containsExactly("checkout", "payments");

        stopConsumer();
        Thread.sleep(1000); // past the query service's watermark cache
        Instant stopped = watermark();
        aws.kinesis().putRecord(b -> b.streamName(stream).partitionKey("late")
                .data(SdkBytes.fromUtf8String(LogPayload.of("late").message("while stopped").json())));
        Instant put = Instant.now();
        Thread.sleep(3000);
        assertThat(watermark()).as("no consumer, no progress").isEqualTo(stopped).isBefore(put);
        JsonNode now = get("/v1/services/late/logs");
        assertThat(now.path("items")).isEmpty();
        assertThat(now.path("complete").asBoolean()).as("the latest page, read while nothing is consumed").isFalse();

        startConsumer();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() ->
                watermark().isAfter(put));
        JsonNode after = get("/v1/services/late/logs?from=0&to=" + put.toEpochMilli());
        assertThat(after.path("items").findValuesAsText("message")).containsExactly("while stopped");
        assertThat(after.path("complete").asBoolean()).isTrue();
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.path("items").forEach(item -> ids.add(item.path("id").asText()));
        return ids;
    }

    @Test
    @Order(1)
    void latestNThroughTheApiEqualsTheSeedQueryAndAWindowReturnsExactlyItsRecords() throws Exception {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() ->
                logItems() == 150);

        List<String> seed = aws.dynamoDb().query(b -> b.tableName(table).keyConditionExpression("pk = :svc")
                        .expressionAttributeValues(Map.of(":svc", AttributeValue.fromS("checkout")))
                        .scanIndexForward(false).limit(50)).items().stream()
                .map(item -> LogKeys.idOf(item.get("sk").s())).toList();
        List<String> newest = checkout.stream().sorted(Comparator.comparingLong(Sent::ts).reversed()).limit(50)
                .map(Sent::id).toList();
        assertThat(seed).isEqualTo(newest);
        assertThat(ids(get("/v1/services/checkout/logs?limit=50"))).isEqualTo(seed);

        long from = BASE + 20_000;
        long to = BASE + 80_000;
        List<String> inside = checkout.stream().filter(s -> s.ts() >= from && s.ts() <= to)
                .sorted(Comparator.comparingLong(Sent::ts)).map(Sent::id).toList();
        JsonNode window = get("/v1/services/checkout/logs?direction=forward&limit=1000&from="
                + URLEncoder.encode(java.time.Instant.ofEpochMilli(from).toString(), StandardCharsets.UTF_8)
                + "&to=" + to);
        assertThat(ids(window)).isEqualTo(inside);
        assertThat(window.path("nextCursor").isNull()).isTrue();
    }

    @Test
    @Order(3)
    void anAlertingRuleWrittenThroughTheRulerApiFiresAndResolvesOnRecordsThroughTheConsumer() throws Exception {
        long base = BASE + 3_600_000; // a whole minute, an hour after the other records
        List<PutRecordsRequestEntry> entries = new ArrayList<>();
        for (int s = 0; s < 120; s++) { // an ERROR a second for the first minute, an INFO a second for two
            entries.add(PutRecordsRequestEntry.builder().partitionKey(UUID.randomUUID().toString())
                    .data(SdkBytes.fromUtf8String(LogPayload.of("ruled").level(s < 60 ? "ERROR" : "INFO")
                            .message("step " + s).ts(base + s * 1000L + 500).json())).build());
        }
        aws.kinesis().putRecords(b -> b.streamName(stream).records(entries));
        Instant put = Instant.now();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() ->
                watermark().isAfter(put));

        String group = "name: through\nrules:\n  - alert: RuledErrors\n    expr: sum by (service) "
                + "(count_over_time({service=\"ruled\", level=\"ERROR\"}[1m])) > 10\n"
                + "    annotations: {summary: \"{{ $labels.service }}: {{ $value }} errors\"}\n";
        HttpResponse<String> written = ApiClient.http().send(java.net.http.HttpRequest.newBuilder(
                        URI.create(api + "/loki/api/v1/rules/through")).header("Authorization", "Bearer " + TestAuth.token())
                .header("Content-Type", "application/yaml")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(group)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(written.statusCode()).as(written.body()).isEqualTo(202);
        RuleGroups.Group through = rules.all().stream().filter(g -> g.name().equals("through")).findFirst()
                .orElseThrow();

        // the minute of errors: every one of the 60 the consumer stored is counted, and the alert fires (for 0)
        List<AlertQueue.Alert> fired = evaluator.evaluate(through, Instant.ofEpochMilli(base + 60_000));
        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).labels()).isEqualTo(Map.of("alertname", "RuledErrors", "service", "ruled"));
        assertThat(fired.get(0).annotations()).containsEntry("summary", "ruled: 60 errors");
        assertThat(evaluator.state(through, 0).state()).isEqualTo("firing");
        assertThat(evaluator.state(through, 0).alerts().get(0).value()).isEqualTo(60.0);
        // the next minute has none: resolved, at that instant
        List<AlertQueue.Alert> resolved = evaluator.evaluate(through, Instant.ofEpochMilli(base + 120_000));
        assertThat(resolved).hasSize(1);
        assertThat(resolved.get(0).endsAt()).isEqualTo(Instant.ofEpochMilli(base + 120_000));
        assertThat(evaluator.state(through, 0).state()).isEqualTo("inactive");
    }
}
