package io.logstream.bench;

import io.logstream.model.LedgerKeys;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;

/** The stream's watermarks read from the ledger items ({@link LedgerKeys}), as the benchmarks check them. */
final class Watermarks {
    private Watermarks() {
    }

    /** The minimum over open shards of {@code attribute} (strongly consistent), 0 if none or if a shard lacks it. */
    static long minimum(DynamoDbClient dynamoDb, String table, String stream, String attribute) {
        long min = Long.MAX_VALUE;
        for (Map<String, AttributeValue> item : dynamoDb.query(b -> b.tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk",
                        AttributeValue.fromS(LedgerKeys.watermarkPk(stream))))).items()) {
            AttributeValue closed = item.get(LedgerKeys.CLOSED);
            if (closed == null || !Boolean.TRUE.equals(closed.bool())) {
                AttributeValue value = item.get(attribute);
                min = Math.min(min, value == null ? 0 : Long.parseLong(value.n()));
            }
        }
        return min == Long.MAX_VALUE ? 0 : min;
    }
}
