package io.logstream.query.store;

import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import io.logstream.model.Retention;
import io.logstream.query.config.QuerySettings;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The retention rules every read hides expired records and counts by ({@link Retention}): the item the admin API
 * writes ({@link LedgerKeys#RETENTION_PK}), else the configured rules (LOG_RETENTION_RULES, LOG_RETENTION_DAYS, the
 * consumer's settings). Read at most every 5 s; since every change keeps the rules before in its history until its
 * job is done, a replica that has not seen a change yet hides no less than the rules before did.
 */
@Singleton
public class RetentionTable {
    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Retention.RuleSet configured;
    private final Cached<Retention> cached;

    public RetentionTable(DynamoDbClient dynamoDb, QuerySettings query, Clock clock,
                          @Nullable @Value("${log-stream.retention.rules:}") String rules,
                          @Value("${log-stream.retention.default-days:0}") int defaultDays) {
        this.dynamoDb = dynamoDb;
        this.table = query.table();
        this.configured = Retention.RuleSet.parse(rules, defaultDays);
        this.cached = new Cached<>(this::read, Duration.ofSeconds(5), clock);
    }

    private static Map<String, AttributeValue> key() {
        return Map.of(LogKeys.PK, AttributeValue.fromS(LedgerKeys.RETENTION_PK),
                LogKeys.SK, AttributeValue.fromS(LedgerKeys.RETENTION_SK));
    }

    /** The rules in force, as cached. */
    public Retention current() {
        return cached.get();
    }

    /** The rules in force, read now (strongly consistent). */
    public Retention read() {
        return Retention.fromItem(dynamoDb.getItem(b -> b.tableName(table).key(key()).consistentRead(true)).item(),
                configured);
    }

    /** The rules set in configuration. */
    public Retention.RuleSet configured() {
        return configured;
    }

    /**
     * Stores {@code next} if the stored rules are still those changed at {@code expectedChangedAt} (0: none stored).
     *
     * @return false when another change came first
     */
    public boolean write(Retention next, long expectedChangedAt) {
        try {
            dynamoDb.putItem(b -> b.tableName(table).item(next.toItem())
                    .conditionExpression(expectedChangedAt == 0 ? "attribute_not_exists(#sk)" : "changedAt = :c")
                    .expressionAttributeNames(expectedChangedAt == 0 ? Map.of("#sk", LogKeys.SK) : null)
                    .expressionAttributeValues(expectedChangedAt == 0 ? null
                            : Map.of(":c", AttributeValue.fromN(Long.toString(expectedChangedAt)))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }
}
