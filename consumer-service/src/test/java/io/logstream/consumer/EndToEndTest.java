package io.logstream.consumer;

import io.logstream.localaws.LogPayload;
import io.logstream.localaws.LocalAws;

import io.logstream.localaws.EventBridgeStub;
import io.logstream.model.DeadLetter;
import io.logstream.model.LogErrorEvent;
import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Records through a running consumer-service on local engines: stored, alerted, dead-lettered, observable. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndToEndTest {
    private static final long BASE_TS = 1723050000000L;
    private static final String[] LEVELS = {"TRACE", "debug", "INFO", "WARNING", "ERROR", "fatal", "info", "warn"};

    ConsumerHarness<LocalAws> harness;
    private ApplicationContext consumer;

    @BeforeAll
    void start() {
        harness = ConsumerHarness.local(4);
        consumer = harness.startConsumer(retrieval());
    }

    /** How the consumer reads the stream: KCL's polling here, enhanced fan-out in {@link FanOutEndToEndTest}. */
    Map<String, Object> retrieval() {
        return Map.of();
    }

    @AfterAll
    void stop() {
        harness.close();
    }

    record Sent(String service, String level, String message, long ts, String id, String sk) {
    }

    /** Puts records of several services and levels, half with their own id; returns them with the key expected. */
    List<Sent> putValid(String servicePrefix, int count) {
        List<String> payloads = new ArrayList<>();
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String service = servicePrefix + "-" + (i % 5);
            String level = LEVELS[i % LEVELS.length];
            long ts = BASE_TS + i * 997L;
            String id = i % 2 == 0 ? "rec-" + i : null;
            String message = "message " + i + " from " + service;
            payloads.add(LogPayload.of(service).level(level).message(message).ts(ts).id(id).host("host-" + (i % 3))
                    .attribute("i", i).json());
            sent.add(new Sent(service, LogLevel.parse(level).orElseThrow().name(), message, ts, id, null));
        }
        List<PutRecordsResultEntry> results = harness.putJson(payloads);
        List<Sent> withKeys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Sent s = sent.get(i);
            String id = s.id() != null ? s.id()
                    : LogKeys.derivedId(results.get(i).shardId(), results.get(i).sequenceNumber(), 0);
            withKeys.add(new Sent(s.service(), s.level(), s.message(), s.ts(), id, LogKeys.sortKey(s.ts(), id)));
        }
        return withKeys;
    }

    @Test
    void everyValidRecordIsStoredOnceWithItsFieldsAndTheSeedQueriesReadIt() {
        List<Sent> sent = putValid("stored", 400);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(harness.itemsOf("stored")).hasSize(400));

        Set<String> expectedKeys = sent.stream().map(s -> s.service() + "|" + s.sk()).collect(Collectors.toSet());
        Set<String> storedKeys = harness.itemsOf("stored").stream().map(i -> i.get("pk").s() + "|" + i.get("sk").s())
                .collect(Collectors.toSet());
        assertThat(storedKeys).isEqualTo(expectedKeys);

        Map<String, Map<String, AttributeValue>> bySk = new LinkedHashMap<>();
        harness.itemsOf("stored").forEach(item -> bySk.put(item.get("sk").s(), item));
        for (Sent s : sent) {
            Map<String, AttributeValue> item = bySk.get(s.sk());
            assertThat(item.get("service").s()).isEqualTo(s.service());
            assertThat(item.get("level").s()).isEqualTo(s.level());
            assertThat(item.get("message").s()).isEqualTo(s.message());
            assertThat(item.get("ts").n()).isEqualTo(Long.toString(s.ts()));
            assertThat(item.get("id").s()).isEqualTo(s.id());
            assertThat(item.get("host").s()).startsWith("host-");
            assertThat(item.get("attributes").m()).containsKey("i");
            assertThat(Long.parseLong(item.get("ingestedAt").n())).isPositive();
        }

        // the seed's latest-50 query, unchanged
        String service = "stored-3";
        QueryResponse latest = harness.aws.dynamoDb().query(b -> b.tableName(harness.table)
                .keyConditionExpression("pk = :svc").expressionAttributeValues(Map.of(":svc", AttributeValue.fromS(service)))
                .scanIndexForward(false).limit(50));
        List<String> expectedLatest = sent.stream().filter(s -> s.service().equals(service)).map(Sent::sk)
                .sorted(Comparator.reverseOrder()).limit(50).toList();
        assertThat(latest.items()).extracting(i -> i.get("sk").s()).containsExactlyElementsOf(expectedLatest);

        // the seed's window query, unchanged in form: sk BETWEEN "<from>#" AND "<to>#z"
        long from = BASE_TS + 60_000;
        long to = BASE_TS + 200_000;
        QueryResponse window = harness.aws.dynamoDb().query(b -> b.tableName(harness.table)
                .keyConditionExpression("pk = :svc AND sk BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(":svc", AttributeValue.fromS(service),
                        ":from", AttributeValue.fromS(from + "#"), ":to", AttributeValue.fromS(to + "#z"))));
        List<String> expectedWindow = sent.stream().filter(s -> s.service().equals(service))
                .filter(s -> s.ts() >= from && s.ts() <= to).map(Sent::sk).sorted().toList();
        assertThat(expectedWindow).isNotEmpty();
        assertThat(window.items()).extracting(i -> i.get("sk").s()).containsExactlyElementsOf(expectedWindow);
    }

    @Test
    void errorAndFatalRecordsRaiseLogErrorEventsAndOtherLevelsDoNot() {
        List<Sent> sent = putValid("alerting", 80);
        List<Sent> alerting = sent.stream().filter(s -> s.level().equals("ERROR") || s.level().equals("FATAL")).toList();
        assertThat(alerting).hasSize(20);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(eventsOf("alerting")).hasSize(20));
        await().pollDelay(Duration.ofSeconds(1)).until(() -> harness.itemsOf("alerting").size() == 80);

        Map<String, LogErrorEvent> byId = eventsOf("alerting").stream()
                .collect(Collectors.toMap(LogErrorEvent::id, e -> e));
        for (Sent s : alerting) {
            LogErrorEvent event = byId.get(s.id());
            assertThat(event).as("event for %s", s.id()).isNotNull();
            assertThat(event.service()).isEqualTo(s.service());
            assertThat(event.level()).isEqualTo(s.level());
            assertThat(event.message()).isEqualTo(s.message());
            assertThat(event.ts()).isEqualTo(s.ts());
            assertThat(event.time()).isEqualTo(Instant.ofEpochMilli(s.ts()).toString());
            assertThat(event.stream()).isEqualTo(harness.stream);
            assertThat(event.shardId()).startsWith("shardId-");
            assertThat(event.sequenceNumber()).isNotBlank();
        }
        assertThat(harness.aws.eventBridge().acceptedEvents().stream()
                .filter(e -> e.eventBusName().equals(harness.eventBus) && e.detail().contains("\"alerting-")))
                .allSatisfy(e -> {
                    assertThat(e.source()).isEqualTo("log-stream");
                    assertThat(e.detailType()).isEqualTo("LogError");
                });
    }

    private List<LogErrorEvent> eventsOf(String servicePrefix) {
        return harness.aws.eventBridge().acceptedEvents().stream()
                .filter(e -> e.eventBusName().equals(harness.eventBus))
                .map(EventBridgeStub.ReceivedEvent::detail).map(LogErrorEvent::fromDetailJson)
                .filter(e -> e.service().startsWith(servicePrefix + "-")).toList();
    }

    @Test
    void poisonRecordsGoToTheDeadLetterQueueWithTheirReasonWhileNeighboursAreStored() {
        byte[] nonUtf8 = {'{', '"', 's', 'e', 'r', 'v', 'i', 'c', 'e', '"', ':', '"', (byte) 0xFF, (byte) 0xFE, '"', '}'};
        Map<String, byte[]> poison = new LinkedHashMap<>();
        poison.put("invalid-json", utf8("{\"service\":\"poison-0\",\"message\":"));
        poison.put("not-an-object", utf8("[\"service\",\"poison-0\"]"));
        poison.put("missing-service", utf8("{\"message\":\"no service\",\"level\":\"INFO\"}"));
        poison.put("missing-message", utf8("{\"service\":\"poison-0\",\"level\":\"INFO\"}"));
        poison.put("invalid-level", utf8("{\"service\":\"poison-0\",\"message\":\"m\",\"level\":\"LOUD\"}"));
        poison.put("invalid-timestamp", utf8("{\"service\":\"poison-0\",\"message\":\"m\",\"ts\":\"not a time\"}"));
        poison.put("invalid-utf8", nonUtf8);
        poison.put("item-too-large", utf8("{\"service\":\"poison-0\",\"message\":\"" + "x".repeat(450_000) + "\"}"));
        poison.put("invalid-service", utf8("{\"service\":\"bad service!\",\"message\":\"m\"}"));
        // once a crash loop: toPlainString() of 1e999999999 built a gigabyte string and killed the scheduler
        poison.put("invalid-number", utf8("{\"service\":\"d\",\"message\":\"x\",\"attributes\":{\"n\":1e999999999}}"));
        poison.put("invalid-text", utf8("{\"service\":\"poison-0\",\"message\":\"lone \\ud800 surrogate\"}"));
        // stored as 1970 and as 2025 before: longValue() overflowed silently
        poison.put("invalid-timestamp ts=1e400", utf8("{\"service\":\"poison-0\",\"message\":\"m\",\"ts\":1e400}"));
        poison.put("invalid-timestamp ts=2^64", utf8("{\"service\":\"poison-0\",\"message\":\"m\",\"ts\":1.8446745836709551616E19}"));

        List<byte[]> batch = new ArrayList<>();
        int valid = 0;
        for (byte[] bad : poison.values()) {
            batch.add(LogPayload.of("poison-ok").message("neighbour " + valid++).level("INFO").bytes());
            batch.add(bad);
        }
        batch.add(LogPayload.of("poison-ok").message("neighbour " + valid++).level("INFO").bytes());
        List<String> sequences = harness.put(batch, "one-shard").stream()
                .map(PutRecordsResultEntry::sequenceNumber).toList();
        int expectedValid = valid;
        // each case's key is its reason, with a note after a space where one reason has several cases
        List<String> reasons = poison.keySet().stream().map(key -> key.split(" ")[0]).toList();

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(harness.deadLetters().stream().filter(d -> d.stream().equals(harness.stream))
                        .map(DeadLetter::reason)).hasSameSizeAs(reasons));
        await().atMost(Duration.ofSeconds(30)).until(() -> harness.itemsOf("poison").size() == expectedValid);

        Map<String, DeadLetter> bySequence = harness.deadLetters().stream()
                .collect(Collectors.toMap(DeadLetter::sequenceNumber, d -> d));
        assertThat(bySequence.values()).extracting(DeadLetter::reason).containsExactlyInAnyOrderElementsOf(reasons);
        Map<String, DeadLetter> byReason = new LinkedHashMap<>();
        int index = 1;
        for (Map.Entry<String, byte[]> entry : poison.entrySet()) {
            DeadLetter letter = bySequence.get(sequences.get(index));
            index += 2;
            assertThat(letter).as(entry.getKey()).isNotNull();
            assertThat(letter.reason()).as(entry.getKey()).isEqualTo(entry.getKey().split(" ")[0]);
            byReason.put(entry.getKey(), letter);
            assertThat(letter.error()).isNotBlank();
            assertThat(letter.shardId()).startsWith("shardId-");
            assertThat(sequences).contains(letter.sequenceNumber());
            assertThat(letter.arrivalTime()).isNotBlank();
            if (!letter.payloadTruncated()) {
                assertThat(letter.payloadBytesDecoded()).isEqualTo(entry.getValue());
            } else {
                assertThat(letter.payloadBytes()).isEqualTo(entry.getValue().length);
            }
        }
        assertThat(byReason.get("item-too-large").error()).contains("400 KB");

        // the shard keeps moving: a later record is stored and the checkpoint passes the poison
        List<PutRecordsResultEntry> later =
                harness.put(List.of(LogPayload.of("poison-ok").message("after").bytes()), "one-shard");
        await().atMost(Duration.ofSeconds(30)).until(() -> harness.itemsOf("poison").size() == expectedValid + 1);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                harness.checkpointedThrough(harness.applicationName, ConsumerHarness.lastSequencePerShard(later)));
    }

    @Test
    void healthAndPrometheusShowTheWorkerItsShardsAndItsCounts() throws Exception {
        putValid("observed", 10);
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.itemsOf("observed").size() == 10);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(ConsumerHarness.baseUrl(consumer).resolve("/health"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").contains("shardId-000000000000");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String metrics = http.send(HttpRequest.newBuilder(ConsumerHarness.baseUrl(consumer).resolve("/prometheus"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("logstream_records_received_total", "logstream_records_stored_total",
                    "logstream_batch_duration_seconds_bucket", "logstream_checkpoints_total",
                    "logstream_shard_lag_seconds{shard=\"shardId-000000000000\"}");
            assertThat(counter(metrics, "logstream_records_stored_total")).isGreaterThanOrEqualTo(10);
        });
    }

    @Test
    void everyShardsWatermarkFollowsTheClockWhileTheStreamIsIdle() {
        putValid("idle", 10);
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.itemsOf("idle").size() == 10);
        Instant idleFrom = Instant.now();
        // empty answers at the tip move every open shard's watermark past the moment the stream went quiet
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(watermarks()).hasSize(4)
                .allSatisfy((shard, until) -> assertThat(until).as(shard).isAfter(idleFrom)));
        assertThat(watermarks()).allSatisfy((shard, until) -> assertThat(until).as(shard).isBefore(Instant.now()));
    }

    /** {@code completeUntil} per shard, from the ledger's items in the logs table. */
    private Map<String, Instant> watermarks() {
        Map<String, Instant> until = new java.util.TreeMap<>();
        harness.aws.dynamoDb().query(b -> b.tableName(harness.table).consistentRead(true)
                        .keyConditionExpression("pk = :pk").expressionAttributeValues(
                                Map.of(":pk", AttributeValue.fromS(io.logstream.model.LedgerKeys.watermarkPk(
                                        harness.stream))))).items()
                .forEach(item -> until.put(item.get("sk").s(),
                        Instant.ofEpochMilli(Long.parseLong(item.get("completeUntil").n()))));
        return until;
    }

    private static double counter(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
