package io.logstream.consumer.store;

import io.logstream.consumer.core.LogStore;
import io.logstream.consumer.core.WriteBuckets;
import io.logstream.consumer.core.PendingItem;
import io.logstream.consumer.config.ResourceSettings;
import io.logstream.consumer.config.StoreSettings;
import io.logstream.consumer.core.IncomingRecord;
import io.logstream.consumer.retry.Backoff;
import io.logstream.consumer.retry.DependencyHealth;
import io.logstream.consumer.retry.Retrier;
import io.logstream.consumer.retry.Sleeper;
import io.logstream.localaws.LocalAws;
import io.logstream.model.LogItemMapper;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.model.RecordCoordinates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** BatchWriteItem against DynamoDB Local: chunking, duplicate keys, and items DynamoDB refuses. */
class BatchLogWriterTest {
    private final LocalAws aws = LocalAws.shared();
    private final String table = "writer-" + UUID.randomUUID();
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final BatchLogWriter writer;

    BatchLogWriterTest() {
        aws.createLogsTable(table);
        StoreSettings settings = new StoreSettings(4, 0, null);
        Retrier retrier = new Retrier(new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), Math::random),
                Sleeper.REAL, new DependencyHealth(Clock.systemUTC()), dependency -> { });
        writer = new BatchLogWriter(aws.dynamoDb(), new ResourceSettings(table, "s"), settings, retrier, executor,
                WriteBuckets.NONE);
    }

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    private static PendingItem item(String service, long ts, String id, String message) {
        LogRecord record = new LogRecord(service, LogLevel.INFO, message, ts, id, null, null, Map.of(), 1L);
        return new PendingItem(new IncomingRecord(message.getBytes(),
                new RecordCoordinates("s", "shardId-0", Long.toString(ts), 0, Instant.EPOCH)), record,
                LogItemMapper.toItem(record, null));
    }

    @Test
    void writesManyItemsInChunksAndTheLastOfADuplicateKeyWins() {
        List<PendingItem> items = new ArrayList<>();
        for (int i = 0; i < 137; i++) {
            items.add(item("svc", i, "id-" + i, "first " + i));
        }
        items.add(item("svc", 5, "id-5", "second 5"));
        assertThat(writer.write(items)).isEmpty();
        List<Map<String, AttributeValue>> stored = aws.dynamoDb().scan(b -> b.tableName(table)).items();
        assertThat(stored).hasSize(137);
        Map<String, String> messages = new HashMap<>();
        stored.forEach(i -> messages.put(i.get("sk").s(), i.get("message").s()));
        assertThat(messages.get("0000000000005#id-5")).isEqualTo("second 5");
    }

    @Test
    void onlyTheItemDynamoDbRefusesIsRejected() {
        List<PendingItem> items = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            items.add(item("svc", i, "id-" + i, "m"));
        }
        PendingItem bad = item("svc", 99, "id-99", "m");
        Map<String, AttributeValue> badItem = new HashMap<>(bad.item());
        badItem.put("ts", AttributeValue.fromN("not-a-number"));
        items.add(new PendingItem(bad.source(), bad.record(), badItem));

        List<LogStore.Rejected> rejected = writer.write(items);
        assertThat(rejected).singleElement().satisfies(r -> assertThat(r.item().record().id()).isEqualTo("id-99"));
        assertThat(aws.dynamoDb().scan(b -> b.tableName(table)).items()).hasSize(30);
    }
}
