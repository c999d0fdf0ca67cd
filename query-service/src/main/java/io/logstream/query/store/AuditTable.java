package io.logstream.query.store;

import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import io.logstream.query.config.QuerySettings;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The audit trail of admin actions ({@link LedgerKeys#AUDIT_PK}): who did what, when, with what. One item an action,
 * sort key {@code <ISO instant>#<uuid>}, never updated or deleted by the service.
 */
@Singleton
public class AuditTable {
    /** One action: when, by whom (a token's subject), what, and its details. */
    public record Entry(Instant at, String actor, String action, Map<String, String> details) {
    }

    private final DynamoDbClient dynamoDb;
    private final String table;

    public AuditTable(DynamoDbClient dynamoDb, QuerySettings query) {
        this.dynamoDb = dynamoDb;
        this.table = query.table();
    }

    public void record(Instant at, String actor, String action, Map<String, String> details) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(LogKeys.PK, AttributeValue.fromS(LedgerKeys.AUDIT_PK));
        item.put(LogKeys.SK, AttributeValue.fromS(at + "#" + UUID.randomUUID()));
        item.put("actor", AttributeValue.fromS(actor));
        item.put("action", AttributeValue.fromS(action));
        Map<String, AttributeValue> detail = new HashMap<>();
        details.forEach((k, v) -> detail.put(k, AttributeValue.fromS(v)));
        item.put("details", AttributeValue.fromM(detail));
        dynamoDb.putItem(b -> b.tableName(table).item(item));
    }

    /** The latest {@code limit} actions, newest first. */
    public List<Entry> latest(int limit) {
        return dynamoDb.query(b -> b.tableName(table).keyConditionExpression("pk = :pk").scanIndexForward(false)
                        .limit(limit).expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(LedgerKeys.AUDIT_PK))))
                .items().stream().map(item -> {
                    Map<String, String> details = new java.util.TreeMap<>();
                    item.getOrDefault("details", AttributeValue.fromM(Map.of())).m()
                            .forEach((k, v) -> details.put(k, v.s()));
                    String sk = item.get(LogKeys.SK).s();
                    return new Entry(Instant.parse(sk.substring(0, sk.indexOf('#'))), item.get("actor").s(),
                            item.get("action").s(), details);
                }).toList();
    }
}
