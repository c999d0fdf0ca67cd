package io.logstream.query;

import io.logstream.localaws.LocalAws;
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

/** Writes what the consumer would: records, catalogue entries and shard watermarks, in the shared formats. */
final class ReadsFixture {
    private final LocalAws aws;
    private final String table;
    private final String stream;

    ReadsFixture(LocalAws aws, String table, String stream) {
        this.aws = aws;
        this.table = table;
        this.stream = stream;
    }

    /** query-service's properties for reading this fixture's table and stream as a test identity's tokens allow. */
    Map<String, String> queryProperties() {
        Map<String, String> properties = new HashMap<>();
        aws.serviceProperties().forEach((k, v) -> properties.put(k, v.toString()));
        properties.put("log-stream.table", table);
        properties.put("log-stream.stream", stream);
        properties.putAll(TestAuth.properties());
        return properties;
    }

    void store(List<LogRecord> records) {
        List<WriteRequest> writes = records.stream().map(r -> WriteRequest.builder()
                .putRequest(PutRequest.builder().item(LogItemMapper.toItem(r, null)).build()).build()).toList();
        for (int i = 0; i < writes.size(); i += 25) {
            List<WriteRequest> chunk = writes.subList(i, Math.min(i + 25, writes.size()));
            aws.dynamoDb().batchWriteItem(b -> b.requestItems(Map.of(table, chunk)));
        }
    }

    void catalogue(String pk, String name, long seen) {
        aws.dynamoDb().putItem(b -> b.tableName(table).item(Map.of(LogKeys.PK, s(pk), LogKeys.SK, s(name),
                LedgerKeys.FIRST_SEEN, n(seen), LedgerKeys.LAST_SEEN, n(seen))));
    }

    void watermark(String shardId, long completeUntil, boolean closed) {
        Map<String, AttributeValue> item = new HashMap<>(Map.of(LogKeys.PK, s(LedgerKeys.watermarkPk(stream)),
                LogKeys.SK, s(shardId), LedgerKeys.COMPLETE_UNTIL, n(completeUntil)));
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
