package io.logstream.consumer;

import io.logstream.localaws.LogPayload;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.localaws.LocalStack;
import io.logstream.localaws.LocalStackAvailable;
import io.logstream.model.DeadLetter;
import io.logstream.model.LogErrorEvent;
import io.logstream.model.LogKeys;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.sqs.model.Message;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole consumer harness through LocalStack's own Kinesis, DynamoDB, SQS and EventBridge, in a container
 * started by Testcontainers: records are stored and the seed's key conditions read them back; the rule
 * {@code terraform/} declares routes the consumer's LogError events to an SQS target, for ERROR and FATAL only; poison
 * lands on the dead-letter queue. The consumer is the application context {@code @MicronautTest} starts.
 */
@ExtendWith(LocalStackAvailable.class)
@Testcontainers
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalStackPipelineTest implements TestPropertyProvider {
    private static final long BASE_TS = 1723050000000L;
    private static final String[] LEVELS = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};

    @Container
    static final LocalStackContainer CONTAINER = LocalStack.newContainer();

    private final ObjectMapper json = new ObjectMapper();
    private final List<JsonNode> routedEvents = new CopyOnWriteArrayList<>();
    private LocalStack localStack;
    private ConsumerHarness<LocalStack> harness;
    private String alertsQueue;

    @Override
    public Map<String, String> getProperties() {
        CONTAINER.start(); // no-op when the Testcontainers extension has started it already
        localStack = new LocalStack(CONTAINER);
        harness = new ConsumerHarness<>(localStack, 2);
        localStack.createEventBus(harness.eventBus);
        alertsQueue = localStack.routeLogErrorsToQueue(harness.eventBus, "log-error", "alerts-" + harness.stream);
        Map<String, String> properties = new HashMap<>();
        harness.properties(harness.applicationName).forEach((key, value) -> properties.put(key, value.toString()));
        return properties;
    }

    @AfterAll
    void closeClients() {
        harness.close();
        localStack.close();
    }

    private record Sent(String service, String level, String message, long ts, String id) {
    }

    private List<Sent> put(String service, int count) {
        List<String> payloads = new ArrayList<>();
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String level = LEVELS[i % LEVELS.length];
            long ts = BASE_TS + i * 1000L;
            String message = service + " message " + i + " " + UUID.randomUUID();
            payloads.add(LogPayload.of(service).level(level).message(message).ts(ts).host("host-" + (i % 3)).json());
            sent.add(new Sent(service, level, message, ts, null));
        }
        List<PutRecordsResultEntry> results = harness.putJson(payloads);
        List<Sent> withIds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Sent s = sent.get(i);
            withIds.add(new Sent(s.service(), s.level(), s.message(), s.ts(),
                    LogKeys.derivedId(results.get(i).shardId(), results.get(i).sequenceNumber(), 0)));
        }
        return withIds;
    }

    @Test
    void recordsAreStoredAndTheSeedsKeyConditionsReadThemBack() {
        List<Sent> sent = put("ls-checkout", 120);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> stored("ls-checkout") == 120);

        List<String> latest = localStack.dynamoDb().query(b -> b.tableName(harness.table)
                        .keyConditionExpression("pk = :svc")
                        .expressionAttributeValues(Map.of(":svc", AttributeValue.fromS("ls-checkout")))
                        .scanIndexForward(false).limit(50)).items().stream()
                .map(item -> LogKeys.idOf(item.get("sk").s())).toList();
        assertThat(latest).isEqualTo(sent.stream().sorted(Comparator.comparingLong(Sent::ts).reversed()).limit(50)
                .map(Sent::id).toList());

        long from = BASE_TS + 30_000;
        long to = BASE_TS + 59_000;
        List<Map<String, AttributeValue>> window = localStack.dynamoDb().query(b -> b.tableName(harness.table)
                .keyConditionExpression("pk = :svc AND sk BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(":svc", AttributeValue.fromS("ls-checkout"),
                        ":from", AttributeValue.fromS(from + "#"), ":to", AttributeValue.fromS(to + "#z")))).items();
        assertThat(window).extracting(item -> LogKeys.idOf(item.get("sk").s())).containsExactlyElementsOf(
                sent.stream().filter(s -> s.ts() >= from && s.ts() <= to).map(Sent::id).toList());
        for (Map<String, AttributeValue> item : window) {
            Sent s = sent.stream().filter(x -> x.id().equals(LogKeys.idOf(item.get("sk").s()))).findFirst().orElseThrow();
            assertThat(item.get("service").s()).isEqualTo(s.service());
            assertThat(item.get("level").s()).isEqualTo(s.level());
            assertThat(item.get("message").s()).isEqualTo(s.message());
            assertThat(item.get("ts").n()).isEqualTo(Long.toString(s.ts()));
        }
    }

    @Test
    void theTerraformRuleRoutesLogErrorEventsOfErrorAndFatalRecordsToItsSqsTarget() throws Exception {
        List<Sent> sent = put("ls-alerting", 60);
        List<Sent> alerting = sent.stream().filter(s -> s.level().equals("ERROR") || s.level().equals("FATAL")).toList();
        assertThat(alerting).hasSize(20);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> eventsOf("ls-alerting").size() >= 20);
        // every record is stored, so every event the batch raised has been put; nothing else arrives later
        await().atMost(Duration.ofSeconds(60)).until(() -> stored("ls-alerting") == 60);
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> true);

        List<JsonNode> events = eventsOf("ls-alerting");
        assertThat(events).hasSize(20);
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        for (JsonNode event : events) {
            assertThat(event.path("source").asText()).isEqualTo(LogErrorEvent.SOURCE);
            assertThat(event.path("detail-type").asText()).isEqualTo(LogErrorEvent.DETAIL_TYPE);
            assertThat(event.path("region").asText()).isEqualTo(CONTAINER.getRegion());
            byId.put(event.path("detail").path("id").asText(), event.path("detail"));
        }
        for (Sent s : alerting) {
            JsonNode detail = byId.get(s.id());
            assertThat(detail).as("event for %s", s.id()).isNotNull();
            LogErrorEvent event = LogErrorEvent.fromDetailJson(detail.toString());
            assertThat(event.service()).isEqualTo(s.service());
            assertThat(event.level()).isEqualTo(s.level());
            assertThat(event.message()).isEqualTo(s.message());
            assertThat(event.messageTruncated()).isFalse();
            assertThat(event.ts()).isEqualTo(s.ts());
            assertThat(event.time()).isEqualTo(Instant.ofEpochMilli(s.ts()).toString());
            assertThat(event.host()).startsWith("host-");
            assertThat(event.stream()).isEqualTo(harness.stream);
            assertThat(event.shardId()).startsWith("shardId-");
            assertThat(event.sequenceNumber()).isNotBlank();
        }
    }

    /** Events routed to the rule's queue so far whose record belongs to a service of the given name. */
    private List<JsonNode> eventsOf(String service) throws Exception {
        while (true) {
            List<Message> messages = localStack.sqs().receiveMessage(b -> b.queueUrl(alertsQueue)
                    .maxNumberOfMessages(10).waitTimeSeconds(0)).messages();
            if (messages.isEmpty()) {
                break;
            }
            for (Message message : messages) {
                routedEvents.add(json.readTree(message.body()));
                localStack.sqs().deleteMessage(b -> b.queueUrl(alertsQueue).receiptHandle(message.receiptHandle()));
            }
        }
        return routedEvents.stream().filter(e -> e.path("detail").path("service").asText().equals(service)).toList();
    }

    @Test
    void poisonGoesToTheDeadLetterQueueWithItsReasonAndBytes() {
        Map<String, byte[]> poison = new LinkedHashMap<>();
        poison.put("invalid-json", utf8("{\"service\":\"ls-poison\",\"message\":"));
        poison.put("not-an-object", utf8("[\"service\",\"ls-poison\"]"));
        poison.put("missing-service", utf8("{\"message\":\"no service\",\"level\":\"INFO\"}"));
        poison.put("invalid-level", utf8("{\"service\":\"ls-poison\",\"message\":\"m\",\"level\":\"LOUD\"}"));
        List<byte[]> batch = new ArrayList<>(poison.values());
        batch.add(LogPayload.of("ls-poison").message("the neighbour").level("INFO").bytes());
        List<String> sequences = harness.put(batch, "one-shard").stream().map(PutRecordsResultEntry::sequenceNumber)
                .toList();

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(harness.deadLetters().stream().map(DeadLetter::reason)).containsAll(poison.keySet()));
        await().atMost(Duration.ofSeconds(30)).until(() -> stored("ls-poison") == 1);

        Map<String, DeadLetter> byReason = new HashMap<>();
        harness.deadLetters().forEach(letter -> byReason.put(letter.reason(), letter));
        assertThat(byReason.keySet()).containsExactlyInAnyOrderElementsOf(poison.keySet());
        for (Map.Entry<String, byte[]> entry : poison.entrySet()) {
            DeadLetter letter = byReason.get(entry.getKey());
            assertThat(letter.error()).isNotBlank();
            assertThat(letter.stream()).isEqualTo(harness.stream);
            assertThat(letter.shardId()).startsWith("shardId-");
            assertThat(sequences).contains(letter.sequenceNumber());
            assertThat(letter.payloadBytesDecoded()).isEqualTo(entry.getValue());
        }
    }

    private long stored(String service) {
        return harness.items().stream().filter(item -> item.get("pk").s().equals(service)).count();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
