package io.logstream.query.store;

import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import io.logstream.query.config.QuerySettings;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Rule groups' evaluation state and leases ({@link LedgerKeys#RULE_STATE_PK}): one item per group, so that one
 * replica evaluates a group at a time and a replica that takes a group over goes on from the state its holder last
 * committed. A holder's lease runs to {@code leaseUntil}; another replica may take the group only after that, and
 * raises the group's epoch as it does, so a holder that was paused past its lease (or killed) cannot commit again:
 * every commit is conditional on the holder's name and epoch.
 */
@Singleton
public class RuleStateTable {
    /** A group this replica now holds: the epoch it holds it at and the state last committed ("" for none). */
    public record Held(long epoch, String state) {
    }

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final LongAdder reads = new LongAdder();
    private final LongAdder writes = new LongAdder();

    public RuleStateTable(DynamoDbClient dynamoDb, QuerySettings query) {
        this.dynamoDb = dynamoDb;
        this.table = query.table();
    }

    private static Map<String, AttributeValue> key(String group) {
        return Map.of(LogKeys.PK, AttributeValue.fromS(LedgerKeys.RULE_STATE_PK), LogKeys.SK,
                AttributeValue.fromS(group));
    }

    /**
     * Takes the group for {@code owner} until {@code until} if nobody holds it or its lease ran out before
     * {@code now}: first a read (strongly consistent), then, when the group looks free, a conditional update.
     *
     * @return the epoch it is now held at and its last committed state; empty when another replica holds it
     */
    public Optional<Held> acquire(String group, String owner, Instant now, Instant until) {
        reads.increment();
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table).key(key(group))
                .consistentRead(true)).item();
        if (item != null && !item.isEmpty() && !owner.equals(s(item, LedgerKeys.LEASE_OWNER))
                && n(item, LedgerKeys.LEASE_UNTIL) >= now.toEpochMilli()) {
            return Optional.empty();
        }
        try {
            writes.increment();
            UpdateItemResponse response = dynamoDb.updateItem(b -> b.tableName(table).key(key(group))
                    .updateExpression("SET #owner = :owner, #until = :until ADD #epoch :one")
                    .conditionExpression("attribute_not_exists(#owner) OR #owner = :owner OR #until < :now")
                    .expressionAttributeNames(Map.of("#owner", LedgerKeys.LEASE_OWNER, "#until",
                            LedgerKeys.LEASE_UNTIL, "#epoch", LedgerKeys.LEASE_EPOCH))
                    .expressionAttributeValues(Map.of(":owner", AttributeValue.fromS(owner),
                            ":until", number(until.toEpochMilli()), ":now", number(now.toEpochMilli()),
                            ":one", number(1)))
                    .returnValues(ReturnValue.ALL_NEW));
            Map<String, AttributeValue> held = response.attributes();
            return Optional.of(new Held(n(held, LedgerKeys.LEASE_EPOCH), state(held)));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    /**
     * Writes the group's state and extends the lease to {@code until}, if {@code owner} still holds it at
     * {@code epoch}.
     *
     * @return false when the group was taken over: the holder must drop what it evaluated
     */
    public boolean commit(String group, String owner, long epoch, String state, Instant until) {
        return asHolder(group, owner, epoch, "SET #state = :state, #until = :until",
                Map.of("#state", LedgerKeys.RULE_STATE),
                Map.of(":state", AttributeValue.fromS(state), ":until", number(until.toEpochMilli())));
    }

    /** Ends the lease at once (a graceful stop), so that another replica takes the group at its next tick. */
    public void release(String group, String owner, long epoch) {
        asHolder(group, owner, epoch, "SET #until = :zero", Map.of(), Map.of(":zero", number(0)));
    }

    /** An update made only if {@code owner} still holds the group at {@code epoch}; false when it does not. */
    private boolean asHolder(String group, String owner, long epoch, String update, Map<String, String> names,
                             Map<String, AttributeValue> values) {
        Map<String, String> allNames = new java.util.HashMap<>(names);
        allNames.putAll(Map.of("#owner", LedgerKeys.LEASE_OWNER, "#until", LedgerKeys.LEASE_UNTIL,
                "#epoch", LedgerKeys.LEASE_EPOCH));
        Map<String, AttributeValue> allValues = new java.util.HashMap<>(values);
        allValues.putAll(Map.of(":owner", AttributeValue.fromS(owner), ":epoch", number(epoch)));
        try {
            writes.increment();
            dynamoDb.updateItem(b -> b.tableName(table).key(key(group)).updateExpression(update)
                    .conditionExpression("#owner = :owner AND #epoch = :epoch")
                    .expressionAttributeNames(allNames).expressionAttributeValues(allValues));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** The group's last committed state, as any replica may read it for the listings ("" for none). */
    public String read(String group) {
        reads.increment();
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table).key(key(group))).item();
        return item == null ? "" : state(item);
    }

    /** Items read and write calls made, for the benchmark's figures. */
    public long reads() {
        return reads.sum();
    }

    public long writes() {
        return writes.sum();
    }

    private static String state(Map<String, AttributeValue> item) {
        String state = s(item, LedgerKeys.RULE_STATE);
        return state == null ? "" : state;
    }

    private static String s(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    private static long n(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? 0 : Long.parseLong(value.n());
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
