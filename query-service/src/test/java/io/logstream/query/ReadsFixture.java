package io.logstream.query;

import io.logstream.localaws.LocalAws;
import io.logstream.model.Buckets;
import io.logstream.model.Counts;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogItemMapper;
import io.logstream.model.LogKeys;
import io.logstream.model.LogRecord;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The one way query tests seed what they read: a fresh logs table on the shared local engines, and records,
 * catalogue entries and shard watermarks written in the shared formats, as the consumer would write them.
 */
final class ReadsFixture {
    private final LocalAws aws;
    private final String table;
    private final String stream;

    private ReadsFixture(LocalAws aws, String table, String stream) {
        this.aws = aws;
        this.table = table;
        this.stream = stream;
    }

    /** A fixture over a new logs table and stream name, both starting with {@code prefix}. */
    static ReadsFixture create(String prefix) {
        LocalAws aws = LocalAws.shared();
        ReadsFixture fixture = new ReadsFixture(aws, prefix + "-" + UUID.randomUUID(),
                prefix + "-stream-" + UUID.randomUUID());
        aws.createLogsTable(fixture.table);
        return fixture;
    }

    String table() {
        return table;
    }

    /** query-service's properties for this fixture's table and stream, with no identity provider. */
    Map<String, String> storageProperties() {
        Map<String, String> properties = new HashMap<>();
        aws.serviceProperties().forEach((k, v) -> properties.put(k, v.toString()));
        properties.put("log-stream.table", table);
        properties.put("log-stream.stream", stream);
        return properties;
    }

    /** query-service's properties for reading this fixture's table and stream as a test identity's tokens allow. */
    Map<String, String> queryProperties() {
        Map<String, String> properties = storageProperties();
        properties.putAll(TestAuth.properties());
        return properties;
    }

    /** Each item as stored under {@code pk}, in key order. */
    List<Map<String, AttributeValue>> itemsOf(String pk) {
        return aws.dynamoDb().queryPaginator(b -> b.tableName(table).keyConditionExpression("pk = :pk")
                .expressionAttributeValues(Map.of(":pk", s(pk)))).items().stream().toList();
    }

    void store(List<LogRecord> records) {
        storeSharded(records, Buckets.Table.SINGLE);
    }

    /**
     * Each record in its bucket under {@code buckets}, as the consumer puts it, arrived at its own time; the epochs
     * themselves go in with {@link #epoch}.
     */
    void storeSharded(List<LogRecord> records, Buckets.Table buckets) {
        List<WriteRequest> writes = records.stream().map(r -> WriteRequest.builder()
                .putRequest(PutRequest.builder().item(LogItemMapper.toItem(r, null,
                        Buckets.bucketOf(buckets, r.ts(), r.id(), r.ts()))).build()).build()).toList();
        for (int i = 0; i < writes.size(); i += 25) {
            List<WriteRequest> chunk = writes.subList(i, Math.min(i + 25, writes.size()));
            aws.dynamoDb().batchWriteItem(b -> b.requestItems(Map.of(table, chunk)));
        }
    }

    /** A bucket-table epoch, as the consumer appends it. */
    void epoch(String service, Buckets.Epoch epoch) {
        aws.dynamoDb().putItem(b -> b.tableName(table).item(Map.of(LogKeys.PK, s(LedgerKeys.BUCKETS_PK),
                LogKeys.SK, s(LedgerKeys.epochKey(service, epoch.fromMillis())),
                LedgerKeys.BUCKETS, n(epoch.count()))));
    }

    void catalogue(String pk, String name, long seen) {
        aws.dynamoDb().putItem(b -> b.tableName(table).item(Map.of(LogKeys.PK, s(pk), LogKeys.SK, s(name),
                LedgerKeys.FIRST_SEEN, n(seen), LedgerKeys.LAST_SEEN, n(seen))));
    }

    /**
     * The count items the consumer's shards would hold for {@code records} (all of which they stored), with their count
     * watermarks written by {@link #watermark(String, long, Long, boolean)}.
     */
    void counts(List<LogRecord> records, String... shardIds) {
        Map<String, List<LogRecord>> byService = new java.util.TreeMap<>();
        records.forEach(r -> byService.computeIfAbsent(r.service(), k -> new java.util.ArrayList<>()).add(r));
        byService.forEach((service, of) -> Counts.items(service, of, Counts.position("1", 0), shardIds)
                .forEach(item -> aws.dynamoDb().putItem(b -> b.tableName(table).item(item))));
    }

    void watermark(String shardId, long completeUntil, boolean closed) {
        watermark(shardId, completeUntil, null, closed);
    }

    /** A shard's watermark item; {@code countedUntil} null as from a consumer that keeps no counts. */
    void watermark(String shardId, long completeUntil, Long countedUntil, boolean closed) {
        Map<String, AttributeValue> item = new HashMap<>(Map.of(LogKeys.PK, s(LedgerKeys.watermarkPk(stream)),
                LogKeys.SK, s(shardId), LedgerKeys.COMPLETE_UNTIL, n(completeUntil)));
        if (countedUntil != null) {
            item.put(LedgerKeys.COUNTED_UNTIL, n(countedUntil));
        }
        if (closed) {
            item.put(LedgerKeys.CLOSED, AttributeValue.fromBool(true));
        }
        aws.dynamoDb().putItem(b -> b.tableName(table).item(item));
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
