package io.logstream.consumer.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

/**
 * The logs table ({@code log-stream.store}; defaults and environment names in application.yml).
 *
 * @param table         DDB_TABLE
 * @param writers       concurrent BatchWriteItem calls over all shards
 * @param retentionDays LOG_RETENTION_DAYS: when above 0, items carry a TTL counted from the record's time
 */
@ConfigurationProperties("log-stream.store")
public record StoreSettings(@NotBlank String table, @Min(1) int writers, @Min(0) int retentionDays) {
}
