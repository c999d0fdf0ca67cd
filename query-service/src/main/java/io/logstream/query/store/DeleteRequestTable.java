package io.logstream.query.store;

import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import io.logstream.query.config.QuerySettings;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Delete requests ({@link LedgerKeys#DELETES_PK}): one item per request, keyed by its id, holding what it deletes, its
 * status, its progress and, while a replica processes it, that replica's lease. Like the rules' state, a replica takes a
 * request by raising its epoch, and every later write of its holder is conditional on that epoch, so a holder paused
 * past its lease (or killed) writes nothing more.
 * <ul>
 *   <li>{@code received}: accepted, cancellable; {@code processing}: under way (no longer cancellable);
 *   {@code processed}: every matching record is deleted; {@code cancelled}.</li>
 *   <li>{@code deleted} is added to in the same transaction as the deletes it counts ({@link RecordDeletes}), so it is
 *   exact after any crash; {@code cursor} is where a new holder goes on from.</li>
 * </ul>
 */
@Singleton
public class DeleteRequestTable {
    public static final String RECEIVED = "received";
    public static final String PROCESSING = "processing";
    public static final String PROCESSED = "processed";
    public static final String CANCELLED = "cancelled";
    static final String DELETED = "deleted";
    static final String EPOCH = LedgerKeys.LEASE_EPOCH;

    /** A request as stored. {@code cursor} is null before its first page; {@code epoch} 0 before it is first taken. */
    public record Request(String id, String query, long start, long end, long createdAt, String actor, String status,
                          long deleted, long examined, String cursor, long epoch, String holder, long leaseUntil,
                          Long startedAt, Long finishedAt) {
    }

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DeleteRequestTable(DynamoDbClient dynamoDb, QuerySettings query) {
        this.dynamoDb = dynamoDb;
        this.table = query.table();
    }

    static Map<String, AttributeValue> key(String id) {
        return Map.of(LogKeys.PK, AttributeValue.fromS(LedgerKeys.DELETES_PK), LogKeys.SK, AttributeValue.fromS(id));
    }

    /** Stores a new request as {@code received}. */
    public void create(String id, String query, long start, long end, long createdAt, String actor) {
        Map<String, AttributeValue> item = new HashMap<>(key(id));
        item.put("query", s(query));
        item.put("start", n(start));
        item.put("end", n(end));
        item.put("createdAt", n(createdAt));
        item.put("actor", s(actor));
        item.put("status", s(RECEIVED));
        item.put(DELETED, n(0));
        item.put("examined", n(0));
        item.put(EPOCH, n(0));
        dynamoDb.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(#sk)")
                .expressionAttributeNames(Map.of("#sk", LogKeys.SK)));
    }

    /** Every request, oldest first (ids sort by their creation time). Strongly consistent. */
    public List<Request> all() {
        return dynamoDb.queryPaginator(b -> b.tableName(table).consistentRead(true)
                        .keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", s(LedgerKeys.DELETES_PK)))).items().stream()
                .map(DeleteRequestTable::request).toList();
    }

    public Optional<Request> get(String id) {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table).key(key(id)).consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(request(item));
    }

    /** Cancels a request that has not started; false when it has (or is gone). */
    public boolean cancel(String id, long now) {
        try {
            dynamoDb.updateItem(b -> b.tableName(table).key(key(id))
                    .updateExpression("SET #status = :cancelled, finishedAt = :now")
                    .conditionExpression("#status = :received")
                    .expressionAttributeNames(Map.of("#status", "status"))
                    .expressionAttributeValues(Map.of(":cancelled", s(CANCELLED), ":received", s(RECEIVED),
                            ":now", n(now))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * Takes a request for {@code holder} until {@code until}: one that is received, or processing under a lease that
     * ran out before {@code now}. Raises its epoch.
     *
     * @return the request as now held; empty when another replica holds it or it is finished
     */
    public Optional<Request> acquire(String id, String holder, long now, long until) {
        try {
            Map<String, AttributeValue> held = dynamoDb.updateItem(b -> b.tableName(table).key(key(id))
                    .updateExpression("SET #status = :processing, #owner = :holder, #until = :until, "
                            + "startedAt = if_not_exists(startedAt, :now) ADD #epoch :one")
                    .conditionExpression("#status = :received OR (#status = :processing AND "
                            + "(#owner = :holder OR #until < :now))")
                    .expressionAttributeNames(Map.of("#status", "status", "#owner", LedgerKeys.LEASE_OWNER,
                            "#until", LedgerKeys.LEASE_UNTIL, "#epoch", EPOCH))
                    .expressionAttributeValues(Map.of(":processing", s(PROCESSING), ":received", s(RECEIVED),
                            ":holder", s(holder), ":until", n(until), ":now", n(now), ":one", n(1)))
                    .returnValues(ReturnValue.ALL_NEW)).attributes();
            return Optional.of(request(held));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    /** Saves where the holder has got to and extends its lease; false when it no longer holds the request. */
    public boolean progress(String id, long epoch, String cursor, long examined, long until) {
        return asHolder(id, epoch, "SET #cursor = :cursor, examined = :examined, #until = :until",
                Map.of("#cursor", "cursor", "#until", LedgerKeys.LEASE_UNTIL),
                Map.of(":cursor", s(cursor), ":examined", n(examined), ":until", n(until)));
    }

    /** Marks the request processed; false when the holder no longer holds it. */
    public boolean finish(String id, long epoch, long examined, long now) {
        return asHolder(id, epoch, "SET #status = :processed, examined = :examined, finishedAt = :now, #until = :zero",
                Map.of("#status", "status", "#until", LedgerKeys.LEASE_UNTIL),
                Map.of(":processed", s(PROCESSED), ":examined", n(examined), ":now", n(now), ":zero", n(0)));
    }

    /** The part of a delete transaction that counts its records on the request, fenced by the holder's epoch. */
    Update counted(String id, long epoch, int deleted) {
        return Update.builder().tableName(table).key(key(id)).updateExpression("ADD #deleted :n")
                .conditionExpression("#epoch = :epoch")
                .expressionAttributeNames(Map.of("#deleted", DELETED, "#epoch", EPOCH))
                .expressionAttributeValues(Map.of(":n", n(deleted), ":epoch", n(epoch))).build();
    }

    private boolean asHolder(String id, long epoch, String update, Map<String, String> names,
                             Map<String, AttributeValue> values) {
        Map<String, String> allNames = new HashMap<>(names);
        allNames.put("#epoch", EPOCH);
        Map<String, AttributeValue> allValues = new HashMap<>(values);
        allValues.put(":epoch", n(epoch));
        try {
            dynamoDb.updateItem(b -> b.tableName(table).key(key(id)).updateExpression(update)
                    .conditionExpression("#epoch = :epoch").expressionAttributeNames(allNames)
                    .expressionAttributeValues(allValues));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private static Request request(Map<String, AttributeValue> item) {
        return new Request(item.get(LogKeys.SK).s(), text(item, "query"), number(item, "start"), number(item, "end"),
                number(item, "createdAt"), text(item, "actor"), text(item, "status"), number(item, DELETED),
                number(item, "examined"), text(item, "cursor"), number(item, EPOCH),
                text(item, LedgerKeys.LEASE_OWNER), number(item, LedgerKeys.LEASE_UNTIL),
                item.containsKey("startedAt") ? number(item, "startedAt") : null,
                item.containsKey("finishedAt") ? number(item, "finishedAt") : null);
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    private static long number(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? 0 : Long.parseLong(value.n());
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
