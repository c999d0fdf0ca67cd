package io.logstream.consumer.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import jakarta.validation.constraints.NotBlank;

/** The SQS dead-letter queue ({@code log-stream.dead-letter}; DLQ_QUEUE_URL, required). */
@ConfigurationProperties("log-stream.dead-letter")
public record DeadLetterSettings(
        @NotBlank(message = "must name the SQS dead-letter queue (DLQ_QUEUE_URL)") String queueUrl) {
}
