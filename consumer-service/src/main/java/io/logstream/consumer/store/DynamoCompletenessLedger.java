package io.logstream.consumer.store;

import io.logstream.consumer.config.LedgerSettings;
import io.logstream.consumer.config.ResourceSettings;
import io.logstream.consumer.core.CompletenessLedger;
import io.logstream.consumer.retry.Retrier;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The watermark as one item per shard in the logs table ({@code pk = #complete#<stream>}, {@link LedgerKeys}).
 * <ul>
 *   <li>Cheap: a shard's item is written at most once per watermark interval (the latest value wins; values in
 *   between are skipped), so an idle stream of 4 shards costs 4 writes per interval.</li>
 *   <li>Monotonic: the write is conditional on the stored value being lower, so a new owner that starts from an older
 *   checkpoint, or a slow former owner, never moves it back.</li>
 *   <li>At a shard's end its children are seeded with its final value (lowered if a merge's other parent is lower),
 *   and only then is it marked closed, so the minimum never skips a gap between them.</li>
 * </ul>
 * The count watermark ({@link LedgerKeys#COUNTED_UNTIL}) is kept the same way, beside it. A failed advance is logged and left to the next one: the stored watermark then understates, never overstates. A
 * shard's end is retried until recorded (it is rare, and an open item of a finished shard would hold the minimum).
 */
@Singleton
public class DynamoCompletenessLedger implements CompletenessLedger {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoCompletenessLedger.class);
    /** Never moves a shard's watermark back. */
    private static final String RAISE = "attribute_not_exists(#cu) OR #cu < :v";
    /** A child starts at its parent's final value; a merged child at the lower of its two parents'. */
    private static final String SEED = "attribute_not_exists(#cu) OR #cu > :v";

    private final DynamoDbClient dynamoDb;
    private final Retrier retrier;
    private final String table;
    private final String pk;
    private final long intervalMillis;
    private final Clock clock;
    private final Map<String, Long> latest = new ConcurrentHashMap<>();
    private final Map<String, Long> writtenAt = new ConcurrentHashMap<>();
    private final Map<String, Long> latestCounted = new ConcurrentHashMap<>();
    private final Map<String, Long> countedWrittenAt = new ConcurrentHashMap<>();

    @Inject
    public DynamoCompletenessLedger(DynamoDbClient dynamoDb, ResourceSettings resources, LedgerSettings ledger,
                                    Retrier retrier, Clock clock) {
        this(dynamoDb, resources.table(), resources.stream(), ledger.watermarkInterval(), retrier, clock);
    }

    DynamoCompletenessLedger(DynamoDbClient dynamoDb, String table, String stream, Duration interval, Retrier retrier,
                             Clock clock) {
        this.dynamoDb = dynamoDb;
        this.retrier = retrier;
        this.table = table;
        this.pk = LedgerKeys.watermarkPk(stream);
        this.intervalMillis = interval.toMillis();
        this.clock = clock;
    }

    @Override
    public void opened(String shardId) {
        try {
            dynamoDb.putItem(b -> b.tableName(table)
                    .item(Map.of(LogKeys.PK, s(pk), LogKeys.SK, s(shardId), LedgerKeys.COMPLETE_UNTIL, n(0)))
                    .conditionExpression("attribute_not_exists(#sk)")
                    .expressionAttributeNames(Map.of("#sk", LogKeys.SK)));
        } catch (ConditionalCheckFailedException e) {
            // known already: a previous owner, or a parent's seed
        } catch (SdkException e) {
            LOG.warn("could not register the shard's watermark ({}); the next advance will", e.getMessage());
        }
    }

    @Override
    public void advanced(String shardId, Instant completeUntil) {
        advance(shardId, completeUntil, LedgerKeys.COMPLETE_UNTIL, latest, writtenAt);
    }

    @Override
    public void counted(String shardId, Instant countedUntil) {
        advance(shardId, countedUntil, LedgerKeys.COUNTED_UNTIL, latestCounted, countedWrittenAt);
    }

    private void advance(String shardId, Instant until, String attribute, Map<String, Long> latest,
                         Map<String, Long> writtenAt) {
        latest.merge(shardId, until.toEpochMilli(), Math::max);
        long now = clock.millis();
        Long last = writtenAt.get(shardId);
        if (last == null || now - last >= intervalMillis) {
            writtenAt.put(shardId, now);
            raise(shardId, attribute, latest.get(shardId));
        }
    }

    @Override
    public void ended(String shardId, List<String> childShardIds) {
        for (String attribute : List.of(LedgerKeys.COMPLETE_UNTIL, LedgerKeys.COUNTED_UNTIL)) {
            boolean counts = attribute.equals(LedgerKeys.COUNTED_UNTIL);
            Long last = (counts ? latestCounted : latest).remove(shardId);
            (counts ? countedWrittenAt : writtenAt).remove(shardId);
            long value = last == null ? 0 : last;
            if (last != null) {
                retried(() -> update(shardId, attribute, value, RAISE));
            }
            for (String child : childShardIds) {
                retried(() -> update(child, attribute, value, SEED));
            }
        }
        retried(() -> dynamoDb.updateItem(b -> b.tableName(table).key(key(shardId))
                .updateExpression("SET #closed = :t").expressionAttributeNames(Map.of("#closed", LedgerKeys.CLOSED))
                .expressionAttributeValues(Map.of(":t", AttributeValue.fromBool(true)))));
    }

    private void retried(Runnable write) {
        retrier.callSdk("dynamodb", write);
    }

    private void raise(String shardId, String attribute, long value) {
        try {
            update(shardId, attribute, value, RAISE);
        } catch (SdkException e) {
            LOG.warn("could not write the shard's watermark ({}); the next write will", e.getMessage());
        }
    }

    /** Sets the watermark where the condition allows; a refused condition means it is already where it should be. */
    private void update(String shardId, String attribute, long value, String condition) {
        try {
            dynamoDb.updateItem(b -> b.tableName(table).key(key(shardId))
                    .updateExpression("SET #cu = :v").conditionExpression(condition)
                    .expressionAttributeNames(Map.of("#cu", attribute))
                    .expressionAttributeValues(Map.of(":v", n(value))));
        } catch (ConditionalCheckFailedException e) {
            // already at or past it (raise), or at or below it (seed)
        }
    }

    private Map<String, AttributeValue> key(String shardId) {
        return Map.of(LogKeys.PK, s(pk), LogKeys.SK, s(shardId));
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
