package io.logstream.consumer.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;

/**
 * The one retry policy of every dependency ({@code log-stream.retry}; defaults in application.yml): exponential
 * backoff with full jitter from {@code baseDelay} to {@code maxDelay}, retried in place; a dependency failing for
 * {@code unhealthyAfter} turns readiness DOWN.
 */
@ConfigurationProperties("log-stream.retry")
public record RetrySettings(@NotNull Duration baseDelay, @NotNull Duration maxDelay, @NotNull Duration unhealthyAfter) {
}
