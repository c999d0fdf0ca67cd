package io.logstream.query.store;

import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import io.logstream.query.config.QuerySettings;
import io.logstream.query.config.ReadSettings;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The services and hosts the consumer has stored records for, read with one {@code Query} per list (never a scan)
 * and cached for the catalogue TTL. {@code lastSeen} moves about once per the consumer's catalogue interval, so it
 * can trail the newest record by that much.
 */
@Singleton
public class Catalogue {
    /** One catalogue entry, in arrival time at the consumer. */
    public record Entry(String name, Instant firstSeen, Instant lastSeen) {
    }

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Cached<List<Entry>> services;
    private final Cached<List<Entry>> hosts;

    public Catalogue(DynamoDbClient dynamoDb, QuerySettings query, ReadSettings reads, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.table = query.table();
        this.services = new Cached<>(() -> read(LedgerKeys.SERVICES_PK), reads.catalogueCacheTtl(), clock);
        this.hosts = new Cached<>(() -> read(LedgerKeys.HOSTS_PK), reads.catalogueCacheTtl(), clock);
    }

    /** Every service, in name order. */
    public List<Entry> services() {
        return services.get();
    }

    /** Every host, in name order. */
    public List<Entry> hosts() {
        return hosts.get();
    }

    private List<Entry> read(String pk) {
        List<Entry> entries = new ArrayList<>();
        for (Map<String, AttributeValue> item : LedgerItems.read(dynamoDb, table, pk)) {
            entries.add(new Entry(item.get(LogKeys.SK).s(), millis(item.get(LedgerKeys.FIRST_SEEN)),
                    millis(item.get(LedgerKeys.LAST_SEEN))));
        }
        return List.copyOf(entries);
    }

    private static Instant millis(AttributeValue value) {
        return value == null ? Instant.EPOCH : Instant.ofEpochMilli(Long.parseLong(value.n()));
    }
}
