package io.logstream.query.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;

/**
 * Reads beyond one service's page: the completeness watermark, the service catalogue, the Loki API and live tails
 * ({@code log-stream.reads}; defaults in application.yml, meaning in docs/query.md).
 *
 * @param stream            the Kinesis stream whose shards' watermarks bound completeness (KINESIS_STREAM)
 * @param watermarkCacheTtl how long one read of the watermark serves every request; a cached value only understates
 * @param catalogueCacheTtl how long one read of the catalogue serves every request
 * @param lokiLine          {@code message}: a Loki line is the record's message; {@code json}: the whole record
 * @param lokiFanOut        most services one Loki query may read (one DynamoDB Query each)
 * @param lokiMaxEntries    largest Loki {@code limit}
 * @param lokiMaxPages      DynamoDB pages one Loki query may read over all its services; past it the answer is the
 *                          correct prefix it has and carries a warning
 * @param tailConnections   open tails (SSE and WebSocket together) per instance; more get 429 or a close
 * @param tailPoll          how often a tail asks DynamoDB for new records
 * @param tailDelay         how far behind the watermark a tail releases records, for records that reach Kinesis
 *                          later than their own timestamp (Loki's {@code delay_for})
 * @param tailHeartbeat     SSE heartbeat interval when no record flows
 */
@ConfigurationProperties("log-stream.reads")
public record ReadSettings(@NotBlank String stream,
                           @NotNull Duration watermarkCacheTtl,
                           @NotNull Duration catalogueCacheTtl,
                           @NotNull LokiLine lokiLine,
                           @Min(1) @Max(1000) int lokiFanOut,
                           @Min(1) int lokiMaxEntries,
                           @Min(1) int lokiMaxPages,
                           @Min(1) int tailConnections,
                           @NotNull Duration tailPoll,
                           @NotNull Duration tailDelay,
                           @NotNull Duration tailHeartbeat) {

    public enum LokiLine { MESSAGE, JSON }
}
