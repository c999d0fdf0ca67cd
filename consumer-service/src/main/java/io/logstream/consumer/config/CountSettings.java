package io.logstream.consumer.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;

/**
 * The exact counts per service, level and minute ({@code log-stream.counts}; docs/counts.md).
 *
 * @param enabled       COUNTS: false keeps no counts, and the checkpoint follows every batch again
 * @param flushInterval how often a shard writes its counts, and so how often it checkpoints: fewer writes against a
 *                      longer replay after a crash
 */
@ConfigurationProperties("log-stream.counts")
public record CountSettings(boolean enabled, @NotNull Duration flushInterval) {
}
