package io.logstream.query.store;

import io.logstream.model.Buckets;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import io.logstream.query.config.QuerySettings;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The consumer's bucket table ({@link LedgerKeys}, docs/scale.md): which partition keys hold each write-sharded
 * service's records, by record time. Read with one {@code Query} at most once a second, so every read of records
 * knows every epoch that can hold a stored record: an epoch starts {@link Buckets#EPOCH_DELAY_MILLIS} after it is
 * decided, and no record past the arrival {@link #arrivalsKnownThrough()} vouches for can be in one this read missed.
 */
@Singleton
public class BucketTables {
    private static final Logger LOG = LoggerFactory.getLogger(BucketTables.class);
    /** Well under {@link Buckets#LEAD_MILLIS}: a read this old still knows every epoch a stored record can be in. */
    static final Duration REFRESH = Duration.ofSeconds(1);

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Clock clock;
    private final Cached<Snapshot> cached;

    /** The tables as read at {@code readAt}. */
    private record Snapshot(Map<String, Buckets.Table> tables, long readAt) {
    }

    public BucketTables(DynamoDbClient dynamoDb, QuerySettings query, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.table = query.table();
        this.clock = clock;
        this.cached = new Cached<>(this::read, REFRESH, clock);
    }

    /** A service's epochs; {@link Buckets.Table#SINGLE} for a service never sharded. */
    public Buckets.Table of(String service) {
        return cached.get().tables().getOrDefault(service, Buckets.Table.SINGLE);
    }

    /** The Kinesis arrival time up to which every stored record is in a bucket this process knows of. */
    public long arrivalsKnownThrough() {
        return Buckets.arrivalsKnownThrough(cached.get().readAt());
    }

    private Snapshot read() {
        long started = clock.millis();
        Map<String, Buckets.Table> tables = Buckets.tables(LedgerItems.read(dynamoDb, table, LedgerKeys.BUCKETS_PK),
                (item, e) -> LOG.warn("bucket table item {} left out: {}", item.get(LogKeys.SK), e.toString()));
        return new Snapshot(tables, started);
    }
}
