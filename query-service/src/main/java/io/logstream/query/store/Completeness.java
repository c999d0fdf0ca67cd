package io.logstream.query.store;

import io.logstream.model.LedgerKeys;
import io.logstream.query.config.QuerySettings;
import io.logstream.query.config.ReadSettings;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;

/**
 * The stream's completeness watermark: the minimum, over its open shards, of the arrival time up to which the consumer
 * has processed every record ({@link LedgerKeys}). Epoch 0 when no shard has one yet: nothing is vouched for.
 * <p>
 * Read it <em>before</em> the records a reply is built from: whatever the watermark vouches for was stored before it
 * moved, so it is in that later read. One read serves every request for the cache TTL; since the watermark only
 * rises, a cached value can only understate.
 */
@Singleton
public class Completeness {
    private final DynamoDbClient dynamoDb;
    private final String table;
    private final String pk;
    private final Cached<Marks> cached;
    private final BucketTables buckets;

    public Completeness(DynamoDbClient dynamoDb, QuerySettings query, ReadSettings reads, Clock clock,
                        BucketTables buckets) {
        this.buckets = buckets;
        this.dynamoDb = dynamoDb;
        this.table = query.table();
        this.pk = LedgerKeys.watermarkPk(query.stream());
        this.cached = new Cached<>(this::read, reads.watermarkCacheTtl(), clock);
    }

    /**
     * The watermark, but never past what this process's bucket table vouches for ({@link BucketTables}): a record
     * can only be read from a bucket the reader knows of.
     */
    public Instant completeUntil() {
        Instant watermark = cached.get().complete();
        long known = buckets.arrivalsKnownThrough();
        return watermark.toEpochMilli() > known ? Instant.ofEpochMilli(known) : watermark;
    }

    /**
     * The count watermark ({@link LedgerKeys#COUNTED_UNTIL}): the minimum over the open shards of the arrival time up to
     * which every stored record is in the counts, an open shard without one at 0. Empty when the consumer keeps no
     * counts (no shard has ever had one): metric queries then count records.
     */
    public java.util.Optional<Instant> countedUntil() {
        Marks marks = cached.get();
        if (marks.counted() == null) {
            return java.util.Optional.empty();
        }
        long known = buckets.arrivalsKnownThrough();
        return java.util.Optional.of(Instant.ofEpochMilli(Math.min(marks.counted().toEpochMilli(), known)));
    }

    /**
     * What a read that may be answered from the counts vouches for: the lower of {@link #completeUntil()} and
     * {@link #countedUntil()} (the records' watermark alone when the consumer keeps no counts).
     */
    public Instant countedAndCompleteUntil() {
        Instant watermark = completeUntil();
        Instant counted = countedUntil().orElse(watermark);
        return counted.isBefore(watermark) ? counted : watermark;
    }

    /** Both watermarks of one read; {@code counted} null when no shard has one. */
    private record Marks(Instant complete, Instant counted) {
    }

    private Marks read() {
        Long minimum = null;
        long countedMinimum = Long.MAX_VALUE;
        boolean counting = false;
        for (Map<String, AttributeValue> item : LedgerItems.read(dynamoDb, table, pk)) {
            AttributeValue closed = item.get(LedgerKeys.CLOSED);
            AttributeValue counted = item.get(LedgerKeys.COUNTED_UNTIL);
            counting |= counted != null;
            if (closed != null && Boolean.TRUE.equals(closed.bool())) {
                continue;
            }
            countedMinimum = Math.min(countedMinimum, counted == null ? 0 : Long.parseLong(counted.n()));
            AttributeValue until = item.get(LedgerKeys.COMPLETE_UNTIL);
            if (until == null) {
                continue;
            }
            long value = Long.parseLong(until.n());
            minimum = minimum == null ? value : Math.min(minimum, value);
        }
        Instant complete = Instant.ofEpochMilli(minimum == null ? 0 : minimum);
        return new Marks(complete, counting ? Instant.ofEpochMilli(countedMinimum == Long.MAX_VALUE ? 0
                : countedMinimum) : null);
    }
}
