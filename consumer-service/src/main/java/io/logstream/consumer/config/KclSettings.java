package io.logstream.consumer.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import software.amazon.kinesis.leases.LeaseAssignmentStrategy;

import java.time.Duration;

/**
 * KCL tuning. The defaults make start-up and hand-off take seconds at a small lease-table cost; each one, KCL's own
 * default beside it and its cost are in the README ("Health, start-up and hand-off"). Tests shorten them further.
 *
 * @param idleTimeBetweenReads KCL's default is 1 s; 250 ms keeps put-to-stored latency low at 4-5 GetRecords/s/shard
 * @param leaseAssignmentStrategy KCL 3's WORKER_UTILIZATION_AWARE (its default) balances by CPU, which KCL reads only
 *                                on EC2, ECS and EKS; elsewhere (a laptop, the tests) LEASE_COUNT_BASED is what
 *                                gives a joining worker its share of the shards
 * @param gracefulShutdownTimeout how long application shutdown waits for KCL to hand leases over; keep it below the
 *                                orchestrator's termination grace period
 */
@ConfigurationProperties("log-stream.kcl")
public record KclSettings(
        @Nullable String workerId,
        @Bindable(defaultValue = "10000") @Min(1) @Max(10000) int maxRecords,
        @Bindable(defaultValue = "250ms") Duration idleTimeBetweenReads,
        @Bindable(defaultValue = "10s") Duration failoverTime,
        @Bindable(defaultValue = "10s") Duration shardSyncInterval,
        @Bindable(defaultValue = "2s") Duration leaseAssignmentInterval,
        @Bindable(defaultValue = "250ms") Duration shardConsumerDispatchPollInterval,
        @Bindable(defaultValue = "1s") Duration parentShardPollInterval,
        @Bindable(defaultValue = "5s") Duration leaderLeaseDuration,
        @Bindable(defaultValue = "1s") Duration leaderHeartbeatPeriod,
        @Bindable(defaultValue = "20s") Duration gracefulShutdownTimeout,
        @Bindable(defaultValue = "WORKER_UTILIZATION_AWARE") LeaseAssignmentStrategy leaseAssignmentStrategy,
        @Bindable(defaultValue = "true") boolean http2) {
}
