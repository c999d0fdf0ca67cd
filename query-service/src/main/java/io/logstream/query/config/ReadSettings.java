package io.logstream.query.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;

/**
 * Reads beyond one service's page: the completeness watermark, the service catalogue, the Loki API and live tails
 * ({@code log-stream.reads}; defaults in application.yml, meaning in docs/query.md).
 *
 * @param watermarkCacheTtl how long one read of the watermark serves every request; a cached value only understates
 * @param catalogueCacheTtl how long one read of the catalogue serves every request
 * @param lokiLine          {@code message}: a Loki line is the record's message; {@code json}: the whole record
 * @param lokiFanOut        most services one Loki query may read (one DynamoDB Query each)
 * @param lokiMaxEntries    largest Loki {@code limit}
 * @param budgetPages       DynamoDB {@code Query} pages one request may read over all its selectors, services and
 *                          levels; past it the answer is the correct prefix it has, with a warning or a cursor
 * @param deadline          how long one request may read DynamoDB; past it the answer is cut short like the pages
 * @param maxSelectors      most {@code match[]} selectors one Loki series request may carry
 * @param tailConnections   open tails (SSE and WebSocket together) per instance; more get 429 or a close
 * @param tailPoll          how often a tail asks DynamoDB for new records
 * @param tailDelay         how far behind the watermark a tail releases records, for records that reach Kinesis
 *                          later than their own timestamp (Loki's {@code delay_for})
 * @param tailHeartbeat     SSE heartbeat interval when no record flows
 * @param tailPagesPerPoll  DynamoDB pages one poll of one tail may read; a tail further behind catches up over
 *                          several polls
 * @param tailResumeWindow  how far back an SSE {@code Last-Event-ID} may resume; an older one is refused (400), the
 *                          gap is for the logs operation to read
 * @param tailPollers       threads polling the tails, so that one slow tail does not hold up the others
 */
@ConfigurationProperties("log-stream.reads")
public record ReadSettings(@NotNull Duration watermarkCacheTtl,
                           @NotNull Duration catalogueCacheTtl,
                           @NotNull LokiLine lokiLine,
                           @Min(1) @Max(1000) int lokiFanOut,
                           @Min(1) int lokiMaxEntries,
                           @Min(1) int budgetPages,
                           @NotNull Duration deadline,
                           @Min(1) int maxSelectors,
                           @Min(1) int tailConnections,
                           @NotNull Duration tailPoll,
                           @NotNull Duration tailDelay,
                           @NotNull Duration tailHeartbeat,
                           @Min(1) int tailPagesPerPoll,
                           @NotNull Duration tailResumeWindow,
                           @Min(1) @Max(64) int tailPollers) {

    public enum LokiLine { MESSAGE, JSON }
}
