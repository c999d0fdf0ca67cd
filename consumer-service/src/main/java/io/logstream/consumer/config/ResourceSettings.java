package io.logstream.consumer.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import jakarta.validation.constraints.NotBlank;

/**
 * The AWS resources both services name the same way ({@code log-stream.table}, {@code log-stream.stream}, as in
 * query-service; defaults and environment names in application.yml).
 *
 * @param table  the logs table (DDB_TABLE)
 * @param stream the Kinesis stream to read (KINESIS_STREAM)
 */
@ConfigurationProperties("log-stream")
public record ResourceSettings(@NotBlank String table, @NotBlank String stream) {
}
