package io.logstream.consumer.store;

import io.logstream.consumer.config.LedgerSettings;
import io.logstream.consumer.config.StoreSettings;
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
    private final Map<String, Long> writtenAt = new ConcurrentHashMap<>();

    public DynamoServiceCatalogue(DynamoDbClient dynamoDb, StoreSettings store, LedgerSettings ledger, Retrier retrier,
                                  Clock clock) {
        this.dynamoDb = dynamoDb;
        this.table = store.table();
        this.intervalMillis = ledger.catalogueInterval().toMillis();
        this.retrier = retrier;
        this.clock = clock;
    }

    @Override
    public void seen(List<LogRecord> stored) {
        Set<String> keys = new LinkedHashSet<>();
        for (LogRecord record : stored) {
            keys.add(LedgerKeys.SERVICES_PK + '\n' + record.service());
            String host = record.host();
            if (host != null && !host.isEmpty() && host.length() <= LedgerKeys.MAX_HOST_LENGTH) {
                keys.add(LedgerKeys.HOSTS_PK + '\n' + LedgerKeys.hostKey(record.service(), host));
            }
        }
        long now = clock.millis();
        for (String key : keys) {
            Long last = writtenAt.get(key);
            if (last == null || now - last >= intervalMillis) {
                int split = key.indexOf('\n');
                touch(key.substring(0, split), key.substring(split + 1), now);
                writtenAt.put(key, now);
            }
        }
    }

    private void touch(String pk, String name, long now) {
        Retrier.Loop loop = retrier.loop(DEPENDENCY);
        while (true) {
            try {
                dynamoDb.updateItem(b -> b.tableName(table)
                        .key(Map.of(LogKeys.PK, AttributeValue.fromS(pk), LogKeys.SK, AttributeValue.fromS(name)))
                        .updateExpression("SET #last = :now, #first = if_not_exists(#first, :now)")
                        .conditionExpression("attribute_not_exists(#last) OR #last < :cutoff")
                        .expressionAttributeNames(Map.of("#last", LedgerKeys.LAST_SEEN, "#first", LedgerKeys.FIRST_SEEN))
                        .expressionAttributeValues(Map.of(
                                ":now", AttributeValue.fromN(Long.toString(now)),
                                ":cutoff", AttributeValue.fromN(Long.toString(now - intervalMillis)))));
                loop.succeeded();
                return;
            } catch (ConditionalCheckFailedException e) {
                loop.succeeded();
                return; // another worker wrote it within the interval
            } catch (SdkException e) {
                loop.failed(e);
            }
        }
    }
}
