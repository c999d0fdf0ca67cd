package io.logstream.consumer.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import java.time.Duration;

/**
 * KCL tuning. Defaults are KCL's own except where noted; tests shorten the intervals so a worker starts in seconds.
 *
 * @param idleTimeBetweenReads KCL's default is 1 s; 250 ms keeps put-to-stored latency low at 4-5 GetRecords/s/shard
 * @param gracefulShutdownTimeout how long application shutdown waits for KCL to hand leases over; keep it below the
 *                                orchestrator's termination grace period
 */
@ConfigurationProperties("log-stream.kcl")
public record KclSettings(
        @Nullable String workerId,
        @Bindable(defaultValue = "10000") @Min(1) @Max(10000) int maxRecords,
        @Bindable(defaultValue = "250ms") Duration idleTimeBetweenReads,
        @Bindable(defaultValue = "10s") Duration failoverTime,
        @Bindable(defaultValue = "60s") Duration shardSyncInterval,
        @Nullable Duration leaseAssignmentInterval,
        @Bindable(defaultValue = "1s") Duration shardConsumerDispatchPollInterval,
        @Bindable(defaultValue = "10s") Duration parentShardPollInterval,
        @Bindable(defaultValue = "120s") Duration leaderLeaseDuration,
        @Bindable(defaultValue = "30s") Duration leaderHeartbeatPeriod,
        @Bindable(defaultValue = "20s") Duration gracefulShutdownTimeout,
        @Bindable(defaultValue = "true") boolean http2) {
}
