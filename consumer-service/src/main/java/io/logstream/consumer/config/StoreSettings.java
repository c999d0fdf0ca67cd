package io.logstream.consumer.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import jakarta.validation.constraints.Min;

/**
 * How the logs table ({@link ResourceSettings#table()}) is written ({@code log-stream.store}; defaults and environment
 * names in application.yml).
 *
 * @param writers       concurrent BatchWriteItem calls over all shards
 * @param retentionDays LOG_RETENTION_DAYS: when above 0, items carry a TTL counted from the record's time
 */
@ConfigurationProperties("log-stream.store")
public record StoreSettings(@Min(1) int writers, @Min(0) int retentionDays) {
}
