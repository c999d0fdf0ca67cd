package io.logstream.consumer.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

/**
 * LogError events on EventBridge ({@code log-stream.alerts}; defaults and environment names in application.yml).
 *
 * @param eventBus    EVENT_BUS
 * @param required    EVENTBRIDGE_REQUIRED: the checkpoint waits until every alert is delivered
 * @param maxAttempts PutEvents calls per alert before it is dead-lettered (when not required)
 */
@ConfigurationProperties("log-stream.alerts")
public record AlertSettings(@NotBlank String eventBus, boolean required, @Min(1) int maxAttempts) {
}
