package io.logstream.consumer.store;

import io.logstream.consumer.config.BucketSettings;
import io.logstream.consumer.config.ResourceSettings;
import io.logstream.consumer.core.BucketPolicy;
import io.logstream.consumer.core.WriteBuckets;
import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.consumer.retry.Retrier;
import io.logstream.model.Buckets;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import io.logstream.model.LogRecord;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bucket table ({@code pk = #buckets}, {@link LedgerKeys}) read by every worker, and the decisions that append
 * to it (docs/scale.md).
 * <ul>
 *   <li>Agreement: the table is read again every {@code refresh} (a strongly consistent {@code Query}), and a batch
 *   whose records arrived past what the last read vouches for ({@link Buckets#arrivalsKnownThrough}) waits for a new
 *   read first. An epoch starts {@link Buckets#EPOCH_DELAY_MILLIS} after it is decided, so every worker knows it
 *   before its first record can arrive.</li>
 *   <li>Heat: the write units of each service's records of its newest epoch, and the throttled writes among them,
 *   summed per second. A throttled key quadruples the count; a key past {@code grow-at} of the limit grows it to fit
 *   at {@code target}; a service that fits in a quarter of its buckets for {@code shrink-after} shrinks. A worker
 *   sees only its own shards' share of a service, so it may decide later than a global view would; a throttle
 *   decides in any case.</li>
 *   <li>Pinned counts are written as epochs too, so the table stays the one source every reader and writer uses.</li>
 * </ul>
 * A decision is a conditional {@code PutItem} of a new key, never an update: two workers deciding at once add two
 * epochs a few milliseconds apart, which every reader orders the same way.
 */
@Singleton
public class DynamoWriteBuckets implements WriteBuckets {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoWriteBuckets.class);
    private static final String DEPENDENCY = "dynamodb";

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final BucketPolicy policy;
    private final java.time.Duration refresh;
    private final Retrier retrier;
    private final PipelineMetrics metrics;
    private final Clock clock;
    private final ScheduledExecutorService ticker;
    private final Map<String, Heat> heat = new ConcurrentHashMap<>();
    private volatile Map<String, Buckets.Table> tables = Map.of();
    /** When the last successful read of the table started; 0 before the first. */
    private volatile long readAt;
    private long lastTick;

    /** One service's heat since the last tick. */
    private static final class Heat {
        private final LongAdder units = new LongAdder();
        private final LongAdder throttled = new LongAdder();
    }

    public DynamoWriteBuckets(DynamoDbClient dynamoDb, ResourceSettings resources, BucketSettings settings,
                              Retrier retrier, PipelineMetrics metrics, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.table = resources.table();
        this.refresh = settings.refresh();
        this.policy = new BucketPolicy(new BucketPolicy.Limits(settings.auto(), settings.keyWriteLimit(),
                settings.growAt(), settings.target(), settings.maxBuckets(), settings.shrinkAfter().toMillis()),
                parsePinned(settings.pinned(), settings.maxBuckets()));
        this.retrier = retrier;
        this.metrics = metrics;
        this.clock = clock;
        this.ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "write-buckets");
            thread.setDaemon(true);
            return thread;
        });
        this.lastTick = clock.millis();
        long every = settings.refresh().toMillis();
        ticker.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    /** {@code a=8,b=4} as a map; a bad name or count stops the service at start-up. */
    static Map<String, Integer> parsePinned(String text, int max) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return counts;
        }
        for (String part : text.split(",")) {
            String[] pair = part.trim().split("=", -1);
            if (pair.length != 2 || !LogKeys.isValidName(pair[0].trim()) || !pair[1].trim().matches("\\d{1,2}")
                    || Integer.parseInt(pair[1].trim()) < 1 || Integer.parseInt(pair[1].trim()) > max) {
                throw new ConfigurationException("PINNED_BUCKETS must be service=count pairs separated by commas, "
                        + "each count 1.." + max + ": '" + part.trim() + "'");
            }
            counts.put(pair[0].trim(), Integer.parseInt(pair[1].trim()));
        }
        return counts;
    }

    @Override
    public void cover(long arrivalMillis) {
        if (arrivalMillis <= Buckets.arrivalsKnownThrough(readAt)) {
            return;
        }
        retrier.callSdk(DEPENDENCY, this::read);
        if (arrivalMillis > Buckets.arrivalsKnownThrough(readAt)) {
            // only a clock far behind Kinesis's gets here; waiting would not help, and stalling the shard is worse
            LOG.warn("records arrived {} ms past what the bucket table vouches for; is this host's clock behind?",
                    arrivalMillis - Buckets.arrivalsKnownThrough(readAt));
        }
    }

    @Override
    public int bucketOf(LogRecord record, long arrivalMillis) {
        Buckets.Table buckets = tables.get(record.service());
        return buckets == null ? 0 : Buckets.bucketOf(buckets, record.ts(), record.id(), arrivalMillis);
    }

    @Override
    public void written(String service, long ts, int units) {
        if (ts >= table(service).latestFrom()) {
            heat.computeIfAbsent(service, s -> new Heat()).units.add(units);
        }
    }

    @Override
    public void throttled(String service, long ts) {
        metrics.throttled();
        if (ts >= table(service).latestFrom()) {
            heat.computeIfAbsent(service, s -> new Heat()).throttled.increment();
        }
    }

    /** The table as last read (for tests and metrics). */
    public Buckets.Table table(String service) {
        return tables.getOrDefault(service, Buckets.Table.SINGLE);
    }

    /** Reads the table, then decides on the heat since the last tick. Failures wait for the next tick. */
    private void tick() {
        try {
            read();
            decide();
        } catch (RuntimeException e) {
            LOG.warn("bucket table tick failed, trying again in {}: {}", refresh, e.toString());
        }
    }

    /** Every epoch of every service. */
    synchronized void read() {
        long started = clock.millis();
        Map<String, Buckets.Table> read = epochs(null);
        tables = read;
        readAt = started;
        read.forEach((service, buckets) -> metrics.buckets(service, () -> table(service).countAt(clock.millis())));
    }

    /** The tables of every service, or of one, strongly consistent, page by page. */
    private Map<String, Buckets.Table> epochs(String onlyService) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, String> names = new HashMap<>(Map.of("#pk", LogKeys.PK));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":pk", AttributeValue.fromS(LedgerKeys.BUCKETS_PK)));
        String condition = "#pk = :pk";
        if (onlyService != null) {
            condition += " AND begins_with(#sk, :service)";
            names.put("#sk", LogKeys.SK);
            values.put(":service", AttributeValue.fromS(onlyService + '#'));
        }
        String keyCondition = condition;
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse response = dynamoDb.query(b -> b.tableName(table).consistentRead(true)
                    .keyConditionExpression(keyCondition).expressionAttributeNames(names)
                    .expressionAttributeValues(values).exclusiveStartKey(from));
            items.addAll(response.items());
            start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                    ? response.lastEvaluatedKey() : null;
        } while (start != null);
        return Buckets.tables(items, (item, e) -> LOG.warn("bucket table item {} left out: {}",
                item.get(LogKeys.SK), e.toString()));
    }

    private synchronized void decide() {
        long now = clock.millis();
        double seconds = Math.max(0.001, (now - lastTick) / 1000.0);
        lastTick = now;
        Map<String, BucketPolicy.Heat> since = new HashMap<>();
        heat.forEach((service, h) -> since.put(service, new BucketPolicy.Heat(h.units.sumThenReset(),
                h.throttled.sumThenReset())));
        for (BucketPolicy.Decision decision : policy.decide(since, tables, now, seconds)) {
            append(decision.service(), decision.count(), decision.reason(), now);
        }
    }

    /**
     * Appends an epoch starting {@link Buckets#EPOCH_DELAY_MILLIS} from now, unless another worker appended one since
     * this one last read the table. The key is new, so the put is conditional on its absence.
     */
    private void append(String service, int count, String reason, long now) {
        Map<String, Buckets.Table> fresh = new HashMap<>();
        retrier.callSdk(DEPENDENCY, () -> fresh.putAll(epochs(service)));
        if (fresh.getOrDefault(service, Buckets.Table.SINGLE).latestFrom() > table(service).latestFrom()) {
            read(); // another worker decided since this one last read: judge again once its epoch is in use
            return;
        }
        long from = Buckets.epochStart(now);
        retrier.callSdk(DEPENDENCY, () -> {
            try {
                dynamoDb.putItem(b -> b.tableName(table).conditionExpression("attribute_not_exists(#sk)")
                        .expressionAttributeNames(Map.of("#sk", LogKeys.SK))
                        .item(Map.of(LogKeys.PK, AttributeValue.fromS(LedgerKeys.BUCKETS_PK),
                                LogKeys.SK, AttributeValue.fromS(LedgerKeys.epochKey(service, from)),
                                LedgerKeys.BUCKETS, AttributeValue.fromN(Integer.toString(count)),
                                LedgerKeys.DECIDED_AT, AttributeValue.fromN(Long.toString(now)),
                                LedgerKeys.REASON, AttributeValue.fromS(reason))));
            } catch (ConditionalCheckFailedException e) {
                // another worker appended the same epoch in the same millisecond
            }
        });
        policy.appended(service, now);
        metrics.bucketsChanged(reason);
        LOG.info("service {}: {} -> {} buckets from {} ({})", service, table(service).latest(), count, from, reason);
        read();
    }

    @PreDestroy
    void stop() {
        ticker.shutdownNow();
    }
}
