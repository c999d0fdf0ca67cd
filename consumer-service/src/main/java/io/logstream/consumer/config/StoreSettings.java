package io.logstream.consumer.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import jakarta.validation.constraints.Min;

/**
 * How the logs table ({@link ResourceSettings#table()}) is written ({@code log-stream.store}; defaults and environment
 * names in application.yml).
 *
 * @param writers       concurrent BatchWriteItem calls over all shards
 * @param retentionDays  LOG_RETENTION_DAYS: the default retention in days (0 keeps for ever), for the services and
 *                       levels no rule names
 * @param retentionRules LOG_RETENTION_RULES: retention per service and level ({@code checkout:DEBUG=3d audit=365d};
 *                       docs/retention.md); the rules set through query-service's admin API take their place
 */
@ConfigurationProperties("log-stream.store")
public record StoreSettings(@Min(1) int writers, @Min(0) int retentionDays,
                            @io.micronaut.core.annotation.Nullable String retentionRules) {
}
