package io.logstream.query.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

/**
 * @param table             the logs table (DDB_TABLE)
 * @param stream            the Kinesis stream whose shards' watermarks bound completeness (KINESIS_STREAM)
 * @param cursorSecret      key that signs page cursors (CURSOR_SECRET); when unset a random key per process is used,
 *                          so cursors do not survive a restart or cross replicas: set it in production
 * @param maxPagesPerRequest DynamoDB pages one request may read when a level filter has to be applied on the base
 *                          table (TRACE/DEBUG/INFO); past it the response carries fewer items and a cursor
 */
@ConfigurationProperties("log-stream")
public record QuerySettings(
        @NotBlank String table,
        @NotBlank String stream,
        @Nullable String cursorSecret,
        @Min(1) int maxPagesPerRequest) {
}
