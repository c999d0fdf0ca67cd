package io.logstream.query.store;

import io.logstream.model.Buckets;
import io.logstream.model.Counts;
import io.logstream.model.LogItemMapper;
import io.logstream.model.LogKeys;
import io.logstream.model.LogRecord;
import io.logstream.query.config.QuerySettings;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Deletes records and takes them out of the counts, exactly once each (docs/retention.md).
 * <ul>
 *   <li>A bucket of a service is read a page at a time in sort-key order, strongly consistent, whole items.</li>
 *   <li>Records are deleted in one {@code TransactWriteItems} with their count decrements and the request's
 *   {@code deleted} tally: each record's delete is conditional on the record existing, so a record deleted before (by
 *   a holder that crashed after the transaction, or a retry) fails its condition and is left out of the retry, never
 *   decremented twice. A count item that does not exist (counts off, or already expired) is left out the same way: it
 *   has nothing to take the record from.</li>
 *   <li>The request's tally is conditional on the holder's epoch: a holder that lost the request deletes nothing.</li>
 * </ul>
 */
@Singleton
public class RecordDeletes {
    /** At most this many records a transaction: 25 deletes, at most 50 count updates and the tally stay under 100. */
    public static final int PER_TRANSACTION = 25;
    private static final int ATTEMPTS = 60;

    /** A record found: its key, the record, the item's size in bytes and its TTL (epoch seconds, or null). */
    public record Found(Map<String, AttributeValue> key, LogRecord record, int bytes, Long expiresAt) {
    }

    /**
     * A page of a bucket; {@code last} the last sort key read (null when none), {@code more} if the bucket goes on,
     * {@code readUnits} what reading it consumed.
     */
    public record Page(List<Found> found, String last, boolean more, double readUnits) {
    }

    /** What a transaction did: the records it deleted and the write units it consumed. */
    public record Outcome(int deleted, double units) {
    }

    /** The request was taken over by another replica: its holder stops. */
    public static final class Fenced extends RuntimeException {
        public Fenced(String message) {
            super(message);
        }
    }

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final BucketTables buckets;
    private final DeleteRequestTable requests;

    public RecordDeletes(DynamoDbClient dynamoDb, QuerySettings query, BucketTables buckets,
                         DeleteRequestTable requests) {
        this.dynamoDb = dynamoDb;
        this.table = query.table();
        this.buckets = buckets;
        this.requests = requests;
    }

    /** How many buckets may hold records of the service between {@code from} and {@code to}. */
    public int buckets(String service, long from, long to) {
        return buckets.of(service).bucketsFor(from, to);
    }

    /** Up to {@code limit} records of a bucket with {@code from <= ts <= to}, after sort key {@code after}. */
    public Page page(String service, int bucket, long from, long to, String after, int limit) {
        String pk = Buckets.partitionKey(service, bucket);
        QueryResponse response = dynamoDb.query(b -> {
            b.tableName(table).consistentRead(true).limit(limit).returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                    .keyConditionExpression("pk = :pk AND sk BETWEEN :lo AND :hi")
                    .expressionAttributeValues(Map.of(":pk", s(pk), ":lo", s(LogKeys.lowerBound(from)),
                            ":hi", s(LogKeys.upperBound(to))));
            if (after != null) {
                b.exclusiveStartKey(Map.of(LogKeys.PK, s(pk), LogKeys.SK, s(after)));
            }
        });
        List<Found> found = new ArrayList<>();
        for (Map<String, AttributeValue> item : response.items()) {
            AttributeValue ttl = item.get(LogItemMapper.EXPIRES_AT);
            found.add(new Found(Map.of(LogKeys.PK, item.get(LogKeys.PK), LogKeys.SK, item.get(LogKeys.SK)),
                    LogItemMapper.fromItem(item), LogItemMapper.itemSizeBytes(item),
                    ttl == null ? null : Long.valueOf(ttl.n())));
        }
        String last = found.isEmpty() ? null : found.get(found.size() - 1).key().get(LogKeys.SK).s();
        boolean more = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty();
        double units = response.consumedCapacity() != null && response.consumedCapacity().capacityUnits() != null
                ? response.consumedCapacity().capacityUnits()
                : Math.max(1, Math.ceil(found.stream().mapToInt(Found::bytes).sum() / 4096.0)); // strongly consistent
        return new Page(found, last, more, units);
    }

    /**
     * Deletes up to {@link #PER_TRANSACTION} records, their counts and the request's tally in one transaction, retried
     * without the records already gone and the count items that do not exist.
     *
     * @throws Fenced when the request's epoch is no longer {@code epoch}
     */
    public Outcome delete(List<Found> records, String requestId, long epoch) {
        if (records.size() > PER_TRANSACTION) {
            throw new IllegalArgumentException("at most " + PER_TRANSACTION + " records a transaction");
        }
        List<Found> left = new ArrayList<>(records);
        Set<Map<String, AttributeValue>> absent = new HashSet<>();
        long backoff = 20;
        for (int attempt = 0; attempt < ATTEMPTS && !left.isEmpty(); attempt++) {
            Map<Map<String, AttributeValue>, Map<String, Long>> decrements = decrements(left, absent);
            List<TransactWriteItem> actions = new ArrayList<>();
            for (Found record : left) {
                actions.add(TransactWriteItem.builder().delete(Delete.builder().tableName(table).key(record.key())
                        .conditionExpression("attribute_exists(#pk)").expressionAttributeNames(Map.of("#pk", LogKeys.PK))
                        .build()).build());
            }
            List<Map<String, AttributeValue>> countKeys = new ArrayList<>(decrements.keySet());
            for (Map<String, AttributeValue> countKey : countKeys) {
                actions.add(TransactWriteItem.builder().update(decrement(countKey, decrements.get(countKey))).build());
            }
            actions.add(TransactWriteItem.builder().update(requests.counted(requestId, epoch, left.size())).build());
            try {
                TransactWriteItemsResponse response = dynamoDb.transactWriteItems(b -> b.transactItems(actions)
                        .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
                return new Outcome(left.size(), units(response, left, countKeys.size()));
            } catch (TransactionCanceledException e) {
                boolean conflict = false;
                List<CancellationReason> reasons = e.cancellationReasons();
                List<Found> gone = new ArrayList<>();
                for (int i = 0; i < reasons.size(); i++) {
                    String code = reasons.get(i).code();
                    if ("ConditionalCheckFailed".equals(code)) {
                        if (i < left.size()) {
                            gone.add(left.get(i));
                        } else if (i < left.size() + countKeys.size()) {
                            absent.add(countKeys.get(i - left.size()));
                        } else {
                            throw new Fenced("delete request " + requestId + " was taken over");
                        }
                    } else if (code != null && !"None".equals(code)) {
                        conflict = true; // TransactionConflict (a consumer's count flush on the same item), throttling
                    }
                }
                left.removeAll(gone);
                if (conflict) {
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, 1000);
                }
            }
        }
        if (left.isEmpty()) {
            return new Outcome(0, 0);
        }
        throw new IllegalStateException("a delete transaction did not go through after " + ATTEMPTS + " attempts");
    }

    /**
     * Sets (or, for null, removes) an item's TTL, if the item still exists: the retention job's rewrite.
     *
     * @return the write units it took (1 per KB)
     */
    public double setExpiry(Map<String, AttributeValue> key, Long expiresAt, int bytes) {
        try {
            dynamoDb.updateItem(b -> {
                b.tableName(table).key(key).conditionExpression("attribute_exists(#pk)");
                if (expiresAt == null) {
                    b.updateExpression("REMOVE #x").expressionAttributeNames(Map.of("#pk", LogKeys.PK,
                            "#x", LogItemMapper.EXPIRES_AT));
                } else {
                    b.updateExpression("SET #x = :x").expressionAttributeNames(Map.of("#pk", LogKeys.PK,
                            "#x", LogItemMapper.EXPIRES_AT)).expressionAttributeValues(Map.of(":x",
                            AttributeValue.fromN(Long.toString(expiresAt))));
                }
            });
        } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException e) {
            // deleted meanwhile: nothing to keep
        }
        return Math.max(1, (bytes + 1023) / 1024);
    }

    /** A count item of a service: its key, the minute its sort key names, its size and TTL. */
    public record CountItem(Map<String, AttributeValue> key, long minuteEnd, int bytes, Long expiresAt) {
    }

    /** Every count item of a service (its level items, then its host items). */
    public List<CountItem> countItems(String service) {
        List<CountItem> items = new ArrayList<>();
        for (String pk : List.of(Counts.levelsPk(service), Counts.hostsPk(service))) {
            dynamoDb.queryPaginator(b -> b.tableName(table).keyConditionExpression("pk = :pk")
                    .expressionAttributeValues(Map.of(":pk", s(pk)))).items().forEach(item -> {
                        AttributeValue ttl = item.get(LogItemMapper.EXPIRES_AT);
                        items.add(new CountItem(Map.of(LogKeys.PK, item.get(LogKeys.PK), LogKeys.SK,
                                item.get(LogKeys.SK)), Counts.minuteEndOf(item.get(LogKeys.SK).s()),
                                LogItemMapper.itemSizeBytes(item), ttl == null ? null : Long.valueOf(ttl.n())));
                    });
        }
        return items;
    }

    /** Per count item, the attributes to take the records from: records and bytes per level and minute, and host. */
    private static Map<Map<String, AttributeValue>, Map<String, Long>> decrements(
            List<Found> records, Set<Map<String, AttributeValue>> absent) {
        Map<Map<String, AttributeValue>, Map<String, Long>> out = new LinkedHashMap<>();
        for (Found found : records) {
            LogRecord record = found.record();
            long minute = Counts.minuteEnd(record.ts());
            long bytes = Counts.lineBytes(record);
            Map<String, AttributeValue> levels = Map.of(LogKeys.PK, s(Counts.levelsPk(record.service())),
                    LogKeys.SK, s(Counts.sortKey(Counts.blockEnd(minute))));
            if (!absent.contains(levels)) {
                Map<String, Long> deltas = out.computeIfAbsent(levels, k -> new LinkedHashMap<>());
                int i = Counts.minuteOfBlock(minute);
                deltas.merge(Counts.countName(record.level(), i), -1L, Long::sum);
                deltas.merge(Counts.bytesName(record.level(), i), -bytes, Long::sum);
            }
            if (record.host() != null && !record.host().isEmpty()) { // as the consumer counts hosts (Counts.items)
                Map<String, AttributeValue> hosts = Map.of(LogKeys.PK, s(Counts.hostsPk(record.service())),
                        LogKeys.SK, s(Counts.sortKey(minute)));
                if (!absent.contains(hosts)) {
                    Map<String, Long> deltas = out.computeIfAbsent(hosts, k -> new LinkedHashMap<>());
                    deltas.merge(Counts.hostCountName(record.level(), record.host()), -1L, Long::sum);
                    deltas.merge(Counts.hostBytesName(record.level(), record.host()), -bytes, Long::sum);
                }
            }
        }
        return out;
    }

    private Update decrement(Map<String, AttributeValue> key, Map<String, Long> deltas) {
        Map<String, String> names = new HashMap<>(Map.of("#pk", LogKeys.PK));
        Map<String, AttributeValue> values = new HashMap<>();
        List<String> adds = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, Long> delta : deltas.entrySet()) {
            names.put("#a" + i, delta.getKey());
            values.put(":a" + i, AttributeValue.fromN(Long.toString(delta.getValue())));
            adds.add("#a" + i + " :a" + i);
            i++;
        }
        return Update.builder().tableName(table).key(key).updateExpression("ADD " + String.join(", ", adds))
                .conditionExpression("attribute_exists(#pk)").expressionAttributeNames(names)
                .expressionAttributeValues(values).build();
    }

    /**
     * The units the transaction is charged: the higher of what DynamoDB says it consumed and what AWS's pricing says a
     * transactional write costs, 2 per KB written per item (a count item taken as 2 KB). DynamoDB Local reports far less
     * than that (about 0.5 a record, measured by scripts/bench-deletes.sh), so its figure alone would let a budget be
     * overspent on AWS.
     */
    private static double units(TransactWriteItemsResponse response, List<Found> deleted, int countItems) {
        double charged = 2; // the request's tally
        for (Found found : deleted) {
            charged += 2 * Math.max(1, (found.bytes() + 1023) / 1024);
        }
        charged += 4.0 * countItems;
        double reported = 0;
        if (response.hasConsumedCapacity()) {
            reported = response.consumedCapacity().stream().mapToDouble(c -> c.capacityUnits() == null ? 0
                    : c.capacityUnits()).sum();
        }
        return Math.max(reported, charged);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }
}
