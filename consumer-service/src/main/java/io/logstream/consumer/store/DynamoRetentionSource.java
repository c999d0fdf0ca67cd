package io.logstream.consumer.store;

import io.logstream.consumer.config.ResourceSettings;
import io.logstream.consumer.config.StoreSettings;
import io.logstream.consumer.core.RetentionSource;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import io.logstream.model.Retention;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The retention rules in force: those query-service's admin API stored ({@link LedgerKeys#RETENTION_PK}), read again
 * every {@value #REFRESH_SECONDS} s, else LOG_RETENTION_RULES and LOG_RETENTION_DAYS. A failed read keeps the rules
 * read before (docs/retention.md).
 */
@Singleton
public class DynamoRetentionSource implements RetentionSource {
    static final int REFRESH_SECONDS = 10;
    private static final Logger LOG = LoggerFactory.getLogger(DynamoRetentionSource.class);
    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Retention.RuleSet configured;
    private final ScheduledExecutorService refresher;
    private volatile Retention current;

    public DynamoRetentionSource(DynamoDbClient dynamoDb, ResourceSettings resources, StoreSettings store) {
        this.dynamoDb = dynamoDb;
        this.table = resources.table();
        this.configured = Retention.RuleSet.parse(store.retentionRules(), store.retentionDays());
        this.current = Retention.of(configured);
        refresh();
        this.refresher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "retention-refresh");
            thread.setDaemon(true);
            return thread;
        });
        refresher.scheduleWithFixedDelay(this::refresh, REFRESH_SECONDS, REFRESH_SECONDS, TimeUnit.SECONDS);
    }

    private void refresh() {
        try {
            Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table).key(Map.of(
                    LogKeys.PK, AttributeValue.fromS(LedgerKeys.RETENTION_PK),
                    LogKeys.SK, AttributeValue.fromS(LedgerKeys.RETENTION_SK)))).item();
            current = Retention.fromItem(item, configured);
        } catch (SdkException | IllegalArgumentException e) {
            LOG.warn("could not read the retention rules ({}); keeping those read before", e.getMessage());
        }
    }

    @Override
    public Retention get() {
        return current;
    }

    @PreDestroy
    void stop() {
        refresher.shutdownNow();
    }
}
