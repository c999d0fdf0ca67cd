package io.logstream.consumer.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

import java.time.Duration;

/**
 * What the consumer reads and where it writes, bound from the environment names of the seed (see application.yml):
 * KINESIS_STREAM, KCL_APP_NAME, KCL_INITIAL_POSITION (+ KCL_INITIAL_TIMESTAMP for AT_TIMESTAMP), DDB_TABLE,
 * EVENT_BUS, EVENTBRIDGE_REQUIRED, DLQ_QUEUE_URL, LOG_RETENTION_DAYS.
 */
@ConfigurationProperties("log-stream")
public record PipelineSettings(
        @NotBlank String stream,
        @NotBlank String applicationName,
        @NotBlank @Pattern(regexp = "LATEST|TRIM_HORIZON|AT_TIMESTAMP",
                message = "must be LATEST, TRIM_HORIZON or AT_TIMESTAMP") String initialPosition,
        @Nullable String initialTimestamp,
        @NotBlank String table,
        @NotBlank String eventBus,
        boolean eventbridgeRequired,
        @NotBlank(message = "must name the SQS dead-letter queue (DLQ_QUEUE_URL)") String deadLetterQueueUrl,
        @Min(0) int retentionDays,
        @Bindable(defaultValue = "8") @Min(1) int storeWriters,
        @Bindable(defaultValue = "6") @Min(1) int alertMaxAttempts,
        @Bindable(defaultValue = "100ms") Duration retryBaseDelay,
        @Bindable(defaultValue = "10s") Duration retryMaxDelay,
        @Bindable(defaultValue = "30s") Duration unhealthyAfter) {
}
