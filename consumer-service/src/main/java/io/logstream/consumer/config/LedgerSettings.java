package io.logstream.consumer.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;

/**
 * The bookkeeping the consumer keeps beside the records ({@code log-stream.ledger}; defaults in application.yml).
 *
 * @param catalogueInterval each service and host is written to the catalogue at most once per interval
 * @param watermarkInterval each shard's completeness watermark is written at most once per interval
 * @param visibilityMargin  how far behind a GetRecords call the watermark stays when the shard is caught up, for
 *                          records that Kinesis accepted but did not yet show to the call
 */
@ConfigurationProperties("log-stream.ledger")
public record LedgerSettings(@NotNull Duration catalogueInterval, @NotNull Duration watermarkInterval,
                             @NotNull Duration visibilityMargin) {
}
