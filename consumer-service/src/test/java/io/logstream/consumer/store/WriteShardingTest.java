package io.logstream.consumer.store;

import io.logstream.consumer.config.BucketSettings;
import io.logstream.consumer.config.ResourceSettings;
import io.logstream.consumer.config.StoreSettings;
import io.logstream.consumer.core.BatchPipeline;
import io.logstream.consumer.core.IncomingRecord;
import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.consumer.retry.Backoff;
import io.logstream.consumer.retry.DependencyHealth;
import io.logstream.consumer.retry.Retrier;
import io.logstream.consumer.retry.Sleeper;
import io.logstream.localaws.DynamoDbLimitProxy;
import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LogPayload;
import io.logstream.model.Buckets;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import io.logstream.model.LogRecordParser;
import io.logstream.model.RecordCoordinates;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Write sharding end to end on DynamoDB Local behind the per-key limit proxy: a service put at three times the
 * limit is throttled, spreads over more buckets from an epoch a few seconds ahead, and every record, replayed after
 * the change, is stored once under the key it first had.
 */
class WriteShardingTest {
    private static final int LIMIT = 100;

    private final LocalAws aws = LocalAws.shared();
    private final String table = "sharding-" + UUID.randomUUID();
    private final ExecutorService writers = Executors.newFixedThreadPool(4);
    private final DynamoDbLimitProxy proxy;
    private final DynamoDbClient limited;
    private final DynamoWriteBuckets buckets;
    private final BatchPipeline pipeline;

    WriteShardingTest() throws Exception {
        aws.createLogsTable(table);
        proxy = new DynamoDbLimitProxy(aws, LIMIT);
        limited = DynamoDbClient.builder().endpointOverride(proxy.endpoint()).region(aws.region())
                .credentialsProvider(aws.credentials()).httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(c -> c.retryPolicy(RetryPolicy.none())).build();
        Retrier retrier = new Retrier(new Backoff(Duration.ofMillis(20), Duration.ofMillis(200), Math::random),
                Sleeper.REAL, new DependencyHealth(Clock.systemUTC()), dependency -> { });
        PipelineMetrics metrics = new PipelineMetrics(new SimpleMeterRegistry());
        ResourceSettings resources = new ResourceSettings(table, "s");
        buckets = new DynamoWriteBuckets(limited, resources, new BucketSettings(true, LIMIT, 0.8, 0.5, 64,
                Duration.ZERO, Duration.ofMillis(200), "pinned=8"), retrier, metrics, Clock.systemUTC());
        BatchLogWriter writer = new BatchLogWriter(limited, resources, new StoreSettings(4, 0, null), retrier, writers, buckets);
        pipeline = new BatchPipeline(new LogRecordParser()::parse, writer, buckets, stored -> { }, pending -> List.of(),
                letters -> { }, metrics, Clock.systemUTC(), 0, 3);
    }

    @AfterEach
    void stop() {
        buckets.stop();
        writers.shutdownNow();
        limited.close();
        proxy.close();
    }

    private static IncomingRecord record(String service, long ts, int n) {
        String json = LogPayload.of(service).message("request " + n + " handled in 12 ms").ts(ts).json();
        return new IncomingRecord(json.getBytes(StandardCharsets.UTF_8), new RecordCoordinates("s",
                "shardId-000000000000", Long.toString(1_000_000 + n), 0, Instant.ofEpochMilli(ts)));
    }

    private List<Map<String, AttributeValue>> items(String pk) {
        return aws.dynamoDb().queryPaginator(b -> b.tableName(table).keyConditionExpression("pk = :pk")
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk)))).items().stream().toList();
    }

    @Test
    void aThrottledServiceSpreadsOverMoreKeysAndAReplayAfterTheChangeDuplicatesNothing() {
        List<List<IncomingRecord>> batches = new ArrayList<>();
        int n = 0;
        long started = System.currentTimeMillis();
        // 3x the limit, as fast as the limit lets the pipeline go, until well past the first epoch's start
        while (System.currentTimeMillis() - started < Buckets.EPOCH_DELAY_MILLIS + 5_000) {
            List<IncomingRecord> batch = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (int i = 0; i < 30; i++) {
                batch.add(record("hot", now, n++));
            }
            batch.add(record("quiet", now, n++));
            batches.add(batch);
            pipeline.process(batch);
            long pause = 100 - (System.currentTimeMillis() - now);
            if (pause > 0) {
                sleep(pause);
            }
        }
        Buckets.Table hot = buckets.table("hot");
        assertThat(hot.epochs()).isNotEmpty();
        Buckets.Epoch first = hot.epochs().get(0);
        assertThat(first.count()).isGreaterThanOrEqualTo(4);
        assertThat(first.fromMillis()).isGreaterThan(started);
        assertThat(proxy.throttledItems.get()).isPositive();
        assertThat(buckets.table("pinned").latest()).isEqualTo(8);
        assertThat(items(LedgerKeys.BUCKETS_PK)).anySatisfy(item -> {
            assertThat(item.get(LogKeys.SK).s()).startsWith("hot#");
            assertThat(item.get(LedgerKeys.REASON).s()).isIn("throttled", "near-limit");
        });

        Map<String, String> keyOf = storedKeys(hot);
        int hotRecords = (int) batches.stream().flatMap(List::stream)
                .filter(r -> new String(r.data(), StandardCharsets.UTF_8).contains("\"hot\"")).count();
        assertThat(keyOf).hasSize(hotRecords);
        long late = keyOf.entrySet().stream().filter(e -> LogKeys.tsOf(e.getKey()) >= first.fromMillis())
                .map(Map.Entry::getValue).distinct().count();
        assertThat(late).as("keys holding the records of the new epoch").isEqualTo(first.count());
        assertThat(keyOf.entrySet()).filteredOn(e -> LogKeys.tsOf(e.getKey()) < first.fromMillis())
                .allSatisfy(e -> assertThat(e.getValue()).isEqualTo("hot"));
        assertThat(items("quiet")).hasSize(batches.size());

        batches.forEach(pipeline::process); // the replay a lost lease brings, after the bucket change
        assertThat(storedKeys(hot)).isEqualTo(keyOf);
        assertThat(items("quiet")).hasSize(batches.size());
    }

    /** Each stored record's sort key and the partition key it is under, failing on a record stored twice. */
    private Map<String, String> storedKeys(Buckets.Table hot) {
        Map<String, String> keyOf = new HashMap<>();
        for (int bucket = 0; bucket < hot.bucketsFor(0, LogKeys.MAX_TS); bucket++) {
            String pk = Buckets.partitionKey("hot", bucket);
            for (Map<String, AttributeValue> item : items(pk)) {
                assertThat(keyOf.put(item.get(LogKeys.SK).s(), pk)).as("stored twice").isNull();
            }
        }
        return keyOf;
    }

    @Test
    void aBadPinIsRefusedAtStartUp() {
        assertThatThrownBy(() -> DynamoWriteBuckets.parsePinned("checkout=65", 64))
                .hasMessageContaining("1..64");
        assertThatThrownBy(() -> DynamoWriteBuckets.parsePinned("check#out=4", 64))
                .hasMessageContaining("service=count");
        assertThat(DynamoWriteBuckets.parsePinned(" a=4, b.c=16 ", 64)).containsExactly(Map.entry("a", 4),
                Map.entry("b.c", 16));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
