package io.logstream.query.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

/**
 * @param table             the logs table (DDB_TABLE)
 * @param cursorSecret      key that signs page cursors (CURSOR_SECRET); when unset a random key per process is used,
 *                          so cursors do not survive a restart or cross replicas: set it in production
 * @param maxPagesPerRequest DynamoDB pages one request may read when a level filter has to be applied on the base
 *                          table (TRACE/DEBUG/INFO); past it the response carries fewer items and a cursor
 */
@ConfigurationProperties("log-stream")
public record QuerySettings(
        @NotBlank String table,
        @Nullable String cursorSecret,
        @Bindable(defaultValue = "10") @Min(1) int maxPagesPerRequest) {
}
