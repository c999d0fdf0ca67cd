package io.logstream.consumer.store;

import io.logstream.consumer.config.LedgerSettings;
import io.logstream.consumer.config.ResourceSettings;
import io.logstream.consumer.core.ServiceCatalogue;
import io.logstream.consumer.retry.Retrier;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import io.logstream.model.LogRecord;
import jakarta.inject.Singleton;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The catalogue as items of the logs table ({@link LedgerKeys}). This process remembers when it last wrote each name
 * and writes again only after the catalogue interval; the write is conditional on the stored {@code lastSeen} being
 * older than the interval, so several workers together still write a name about once per interval. A busy service
 * costs one conditional UpdateItem per interval, not one per record.
 */
@Singleton
public class DynamoServiceCatalogue implements ServiceCatalogue {
    private static final String DEPENDENCY = "dynamodb";

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final long intervalMillis;
    private final Retrier retrier;
    private final Clock clock;
    private final Map<String, Long> servicesWritten = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Long>> hostsWritten = new ConcurrentHashMap<>();

    public DynamoServiceCatalogue(DynamoDbClient dynamoDb, ResourceSettings resources, LedgerSettings ledger, Retrier retrier,
                                  Clock clock) {
        this.dynamoDb = dynamoDb;
        this.table = resources.table();
        this.intervalMillis = ledger.catalogueInterval().toMillis();
        this.retrier = retrier;
        this.clock = clock;
    }

    /** Two map lookups per record and no allocation unless a name is due, which is about once per interval. */
    @Override
    public void seen(List<LogRecord> stored) {
        long now = clock.millis();
        Set<String> dueServices = null;
        Set<String> dueHosts = null;
        for (LogRecord record : stored) {
            if (due(servicesWritten, record.service(), now)) {
                dueServices = add(dueServices, record.service());
            }
            String host = record.host();
            if (host != null && !host.isEmpty() && host.length() <= LedgerKeys.MAX_HOST_LENGTH
                    && due(hostsWritten.computeIfAbsent(record.service(), s -> new ConcurrentHashMap<>()), host, now)) {
                dueHosts = add(dueHosts, LedgerKeys.hostKey(record.service(), host));
            }
        }
        if (dueServices != null) {
            for (String service : dueServices) {
                touch(LedgerKeys.SERVICES_PK, service, now);
                servicesWritten.put(service, now);
            }
        }
        if (dueHosts != null) {
            for (String hostKey : dueHosts) {
                touch(LedgerKeys.HOSTS_PK, hostKey, now);
                LedgerKeys.HostKey key = LedgerKeys.splitHostKey(hostKey);
                hostsWritten.get(key.service()).put(key.host(), now);
            }
        }
    }

    private boolean due(Map<String, Long> written, String name, long now) {
        Long last = written.get(name);
        return last == null || now - last >= intervalMillis;
    }

    private static Set<String> add(Set<String> names, String name) {
        Set<String> result = names == null ? new LinkedHashSet<>() : names;
        result.add(name);
        return result;
    }

    private void touch(String pk, String name, long now) {
        retrier.callSdk(DEPENDENCY, () -> {
            try {
                dynamoDb.updateItem(b -> b.tableName(table)
                        .key(Map.of(LogKeys.PK, AttributeValue.fromS(pk), LogKeys.SK, AttributeValue.fromS(name)))
                        .updateExpression("SET #last = :now, #first = if_not_exists(#first, :now)")
                        .conditionExpression("attribute_not_exists(#last) OR #last < :cutoff")
                        .expressionAttributeNames(Map.of("#last", LedgerKeys.LAST_SEEN, "#first", LedgerKeys.FIRST_SEEN))
                        .expressionAttributeValues(Map.of(
                                ":now", AttributeValue.fromN(Long.toString(now)),
                                ":cutoff", AttributeValue.fromN(Long.toString(now - intervalMillis)))));
            } catch (ConditionalCheckFailedException e) {
                // another worker wrote it within the interval
            }
        });
    }
}
