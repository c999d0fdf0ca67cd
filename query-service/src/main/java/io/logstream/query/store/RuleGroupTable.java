package io.logstream.query.store;

import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import io.logstream.query.config.QuerySettings;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rule groups written through the ruler API ({@link LedgerKeys#RULES_PK}): one item per group, its YAML and the
 * services its writer's token could read, read back by every replica with one {@code Query}.
 */
@Singleton
public class RuleGroupTable {
    /** A stored group: its namespace, name, YAML (one group, Loki's ruler format) and its writer's services. */
    public record Stored(String namespace, String name, String yaml, Set<String> ownerServices) {
    }

    private final DynamoDbClient dynamoDb;
    private final String table;

    public RuleGroupTable(DynamoDbClient dynamoDb, QuerySettings query) {
        this.dynamoDb = dynamoDb;
        this.table = query.table();
    }

    /** Every stored group, in namespace and name order. */
    public List<Stored> all() {
        List<Stored> out = new ArrayList<>();
        for (Map<String, AttributeValue> item : LedgerItems.read(dynamoDb, table, LedgerKeys.RULES_PK)) {
            String key = item.get(LogKeys.SK).s();
            int split = key.indexOf('#');
            AttributeValue owner = item.get(LedgerKeys.RULES_OWNER);
            out.add(new Stored(key.substring(0, split), key.substring(split + 1),
                    item.get(LedgerKeys.RULES_YAML).s(), owner == null ? Set.of() : Set.copyOf(owner.ss())));
        }
        return out;
    }

    /** Writes (or replaces) a group. */
    public void put(Stored group) {
        dynamoDb.putItem(b -> b.tableName(table).item(Map.of(
                LogKeys.PK, AttributeValue.fromS(LedgerKeys.RULES_PK),
                LogKeys.SK, AttributeValue.fromS(LedgerKeys.ruleGroupKey(group.namespace(), group.name())),
                LedgerKeys.RULES_YAML, AttributeValue.fromS(group.yaml()),
                LedgerKeys.RULES_OWNER, AttributeValue.fromSs(List.copyOf(group.ownerServices())))));
    }

    /** Deletes a group; true if it was there. */
    public boolean delete(String namespace, String name) {
        return !dynamoDb.deleteItem(b -> b.tableName(table).key(Map.of(
                LogKeys.PK, AttributeValue.fromS(LedgerKeys.RULES_PK),
                LogKeys.SK, AttributeValue.fromS(LedgerKeys.ruleGroupKey(namespace, name))))
                .returnValues(software.amazon.awssdk.services.dynamodb.model.ReturnValue.ALL_OLD))
                .attributes().isEmpty();
    }
}
