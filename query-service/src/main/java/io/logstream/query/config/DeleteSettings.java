package io.logstream.query.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;

/**
 * How delete requests are processed ({@code log-stream.deletes}, docs/retention.md).
 *
 * @param process            whether this replica processes requests (every replica accepts and lists them)
 * @param writeUnitsPerSecond the write units a second the deletes and the retention job may spend, on this replica
 *                           (QUERY_DELETE_WCU)
 * @param readUnitsPerSecond the read units a second their pages may spend, on this replica (QUERY_DELETE_RCU)
 * @param cancelPeriod       how long a request waits, cancellable, before it starts (QUERY_DELETE_CANCEL_PERIOD)
 * @param lease              how long a replica holds a request it processes without saving its progress; another
 *                           replica takes it over after that
 * @param pageSize           records read a page
 * @param owner              this replica's name as a holder (a host name and a random suffix when unset)
 */
@ConfigurationProperties("log-stream.deletes")
public record DeleteSettings(boolean process, @Min(1) int writeUnitsPerSecond, @Min(1) int readUnitsPerSecond,
                             @NotNull Duration cancelPeriod,
                             @NotNull Duration lease, @Min(1) int pageSize, @Nullable String owner) {
}
