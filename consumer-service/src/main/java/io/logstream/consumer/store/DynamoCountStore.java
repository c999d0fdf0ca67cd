package io.logstream.consumer.store;

import io.logstream.consumer.config.ResourceSettings;
import io.logstream.consumer.core.CountStore;
import io.logstream.consumer.core.RetentionSource;
import io.logstream.consumer.core.LogContext;
import io.logstream.consumer.retry.Retrier;
import io.logstream.model.Counts;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogItemMapper;
import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;

/**
 * The counts in the logs table ({@link Counts}), with the shard's counting owner on its watermark item
 * ({@link LedgerKeys#COUNT_OWNER}, {@link LedgerKeys#COUNT_AT}).
 * <ul>
 *   <li>A new owner raises the owner epoch; every later write of an earlier owner, to the watermark item or to a count
 *   item it claims, is refused by its condition.</li>
 *   <li>Each item's update adds the tallies and sets the shard's position in it, on condition that the writer's epoch
 *   is not older than the shard's in the item and its position is newer than the shard's: a retried flush never adds
 *   twice. The shards' conditions are on their own attributes, so they add to the same items side by side.</li>
 *   <li>The items of a flush are written in parallel on the store's writer threads, each retried in place.</li>
 * </ul>
 */
@Singleton
public class DynamoCountStore implements CountStore {
    private static final String DEPENDENCY = "dynamodb";
    private static final String FENCE = "(attribute_not_exists(#o) OR #o <= :e)";

    private final DynamoDbClient dynamoDb;
    private final Retrier retrier;
    private final ExecutorService writers;
    private final String table;
    private final String watermarkPk;
    private final RetentionSource retention;

    public DynamoCountStore(DynamoDbClient dynamoDb, ResourceSettings resources, RetentionSource retention,
                            Retrier retrier, @Named("store-writers") ExecutorService writers) {
        this.dynamoDb = dynamoDb;
        this.retrier = retrier;
        this.writers = writers;
        this.table = resources.table();
        this.watermarkPk = LedgerKeys.watermarkPk(resources.stream());
        this.retention = retention;
    }

    @Override
    public Ownership takeOver(String shardId) {
        Map<String, AttributeValue>[] after = new Map[1];
        retrier.callSdk(DEPENDENCY, () -> after[0] = dynamoDb.updateItem(b -> b.tableName(table)
                .key(watermarkKey(shardId)).updateExpression("ADD #owner :one")
                .expressionAttributeNames(Map.of("#owner", LedgerKeys.COUNT_OWNER))
                .expressionAttributeValues(Map.of(":one", n(1))).returnValues(ReturnValue.ALL_NEW)).attributes());
        AttributeValue at = after[0].get(LedgerKeys.COUNT_AT);
        return new Ownership(Long.parseLong(after[0].get(LedgerKeys.COUNT_OWNER).n()),
                at == null ? null : at.b().asByteArray());
    }

    @Override
    public byte[] claim(String shardId, long epoch, Key key) {
        Map<String, AttributeValue>[] after = new Map[1];
        Map<String, String> names = new HashMap<>(Map.of("#o", Counts.ownerName(shardId)));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":e", n(epoch)));
        String set = "SET #o = :e" + expiry(key, names, values);
        retrier.callSdk(DEPENDENCY, () -> {
            try {
                after[0] = dynamoDb.updateItem(b -> b.tableName(table).key(itemKey(shardId, key))
                        .updateExpression(set).conditionExpression(FENCE).expressionAttributeNames(names)
                        .expressionAttributeValues(values).returnValues(ReturnValue.ALL_NEW)).attributes();
            } catch (ConditionalCheckFailedException e) {
                throw new Fenced("a later owner took the counts of " + shardId + " over");
            }
        });
        AttributeValue held = after[0].get(Counts.positionName(shardId));
        return held == null ? null : held.b().asByteArray();
    }

    @Override
    public void flush(String shardId, long epoch, byte[] position, Map<Key, Map<String, Counts.Tally>> tallies) {
        // the position only rises: a new owner replaying behind an earlier owner's flush leaves that one's mark
        retrier.callSdk(DEPENDENCY, () -> {
            try {
                dynamoDb.updateItem(b -> b.tableName(table).key(watermarkKey(shardId))
                        .updateExpression("SET #at = :p")
                        .conditionExpression("#owner = :e AND (attribute_not_exists(#at) OR #at < :p)")
                        .expressionAttributeNames(Map.of("#at", LedgerKeys.COUNT_AT, "#owner", LedgerKeys.COUNT_OWNER))
                        .expressionAttributeValues(Map.of(":p", b(position), ":e", n(epoch))));
            } catch (ConditionalCheckFailedException e) {
                AttributeValue owner = dynamoDb.getItem(b -> b.tableName(table).key(watermarkKey(shardId))
                        .consistentRead(true)).item().get(LedgerKeys.COUNT_OWNER);
                if (owner == null || Long.parseLong(owner.n()) != epoch) {
                    throw new Fenced("a later owner took the counts of " + shardId + " over");
                }
            }
        });
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        tallies.forEach((key, columns) -> {
            UpdateItemRequest request = update(shardId, epoch, position, key, columns);
            writes.add(CompletableFuture.supplyAsync(LogContext.carried(() -> {
                write(request, shardId, epoch);
                return null;
            }), writers));
        });
        for (CompletableFuture<Void> write : writes) {
            try {
                write.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
            }
        }
    }

    /** One item's update; a refused condition is a retry of a write that landed, or a later owner's fence. */
    private void write(UpdateItemRequest request, String shardId, long epoch) {
        retrier.callSdk(DEPENDENCY, () -> {
            try {
                dynamoDb.updateItem(request);
            } catch (ConditionalCheckFailedException e) {
                Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table).key(request.key())
                        .consistentRead(true)).item();
                AttributeValue owner = item.get(Counts.ownerName(shardId));
                if (owner != null && Long.parseLong(owner.n()) > epoch) {
                    throw new Fenced("a later owner took the counts over");
                }
                // the item holds this position or a later one: this flush's addition is in it already
            }
        });
    }

    private UpdateItemRequest update(String shardId, long epoch, byte[] position, Key key,
                                     Map<String, Counts.Tally> columns) {
        Map<String, String> names = new HashMap<>(Map.of("#o", Counts.ownerName(shardId),
                "#p", Counts.positionName(shardId)));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":e", n(epoch), ":p", b(position)));
        List<String> adds = new ArrayList<>();
        columns.forEach((column, tally) -> {
            for (LogLevel level : LogLevel.values()) {
                if (tally.records(level) == 0) {
                    continue;
                }
                int i = adds.size();
                names.put("#n" + i, key.hosts() ? Counts.hostCountName(level, column)
                        : Counts.countName(level, Integer.parseInt(column)));
                names.put("#b" + i, key.hosts() ? Counts.hostBytesName(level, column)
                        : Counts.bytesName(level, Integer.parseInt(column)));
                values.put(":n" + i, n(tally.records(level)));
                values.put(":b" + i, n(tally.bytes(level)));
                adds.add("#n" + i + " :n" + i + ", #b" + i + " :b" + i);
            }
        });
        String expression = "SET #o = :e, #p = :p" + expiry(key, names, values) + " ADD " + String.join(", ", adds);
        return UpdateItemRequest.builder().tableName(table).key(itemKey(shardId, key)).updateExpression(expression)
                .conditionExpression(FENCE + " AND (attribute_not_exists(#p) OR #p < :p)")
                .expressionAttributeNames(names).expressionAttributeValues(values).build();
    }

    /**
     * The TTL of a count item: its (last) minute plus the longest any level of its service is kept, so that it outlives
     * every record it counts; none when a level is kept for ever. Reads hide each level's minutes as they hide the
     * records ({@link io.logstream.model.Retention#visible}), whatever the TTL has removed.
     */
    private String expiry(Key key, Map<String, String> names, Map<String, AttributeValue> values) {
        Long expiresAt = retention.get().countExpiresAt(key.service(), key.end());
        if (expiresAt == null) {
            return "";
        }
        names.put("#x", LogItemMapper.EXPIRES_AT);
        values.put(":x", n(expiresAt));
        return ", #x = :x";
    }

    private Map<String, AttributeValue> itemKey(String shardId, Key key) {
        String pk = key.hosts() ? Counts.hostsPk(key.service()) : Counts.levelsPk(key.service());
        return Map.of(LogKeys.PK, AttributeValue.fromS(pk),
                LogKeys.SK, AttributeValue.fromS(Counts.sortKey(key.end())));
    }

    private Map<String, AttributeValue> watermarkKey(String shardId) {
        return Map.of(LogKeys.PK, AttributeValue.fromS(watermarkPk), LogKeys.SK, AttributeValue.fromS(shardId));
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static AttributeValue b(byte[] value) {
        return AttributeValue.fromB(SdkBytes.fromByteArray(value));
    }
}
