package io.logstream.consumer.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import software.amazon.kinesis.leases.LeaseAssignmentStrategy;

import java.time.Duration;

/**
 * How KCL reads the stream ({@link ResourceSettings#stream()}) ({@code log-stream.kcl}). Defaults and environment names
 * are in application.yml: the application (KCL_APP_NAME, also the lease table's name) and where a new lease starts
 * (KCL_INITIAL_POSITION, KCL_INITIAL_TIMESTAMP for AT_TIMESTAMP). The tuning defaults make start-up and hand-off
 * take seconds at a small lease-table cost; each one, KCL's own default beside it and its cost are in the README
 * ("Health, start-up and hand-off"). Tests shorten them further.
 *
 * @param retrieval {@code polling} (the default: GetRecords every {@code idleTimeBetweenReads}, the cheapest) or
 *                  {@code fanout} (enhanced fan-out: KCL registers, or reuses, the stream consumer named after the
 *                  application and Kinesis pushes records over HTTP/2; KCL_RETRIEVAL; cost and trade-offs in
 *                  docs/consumer.md, "Retrieval: polling or enhanced fan-out")
 * @param idleTimeBetweenReads polling only. KCL's default is 1 s; 250 ms keeps put-to-stored latency low at 4-5 GetRecords/s/shard
 * @param leaseAssignmentStrategy KCL 3's WORKER_UTILIZATION_AWARE (its default) balances by CPU, which KCL reads only
 *                                on EC2, ECS and EKS; elsewhere (a laptop, the tests) LEASE_COUNT_BASED is what
 *                                gives a joining worker its share of the shards
 * @param gracefulShutdownTimeout how long application shutdown waits for KCL to hand leases over; keep it below the
 *                                orchestrator's termination grace period
 */
@ConfigurationProperties("log-stream.kcl")
public record KclSettings(
        @NotBlank String applicationName,
        @NotBlank @Pattern(regexp = "LATEST|TRIM_HORIZON|AT_TIMESTAMP",
                message = "must be LATEST, TRIM_HORIZON or AT_TIMESTAMP") String initialPosition,
        @Nullable String initialTimestamp,
        @Nullable String workerId,
        @NotBlank @Pattern(regexp = "polling|fanout", message = "must be polling or fanout") String retrieval,
        @Min(1) @Max(10000) int maxRecords,
        @NotNull Duration idleTimeBetweenReads,
        @NotNull Duration failoverTime,
        @NotNull Duration shardSyncInterval,
        @NotNull Duration leaseAssignmentInterval,
        @NotNull Duration shardConsumerDispatchPollInterval,
        @NotNull Duration parentShardPollInterval,
        @NotNull Duration leaderLeaseDuration,
        @NotNull Duration leaderHeartbeatPeriod,
        @NotNull Duration gracefulShutdownTimeout,
        @NotNull LeaseAssignmentStrategy leaseAssignmentStrategy,
        boolean http2) {

    /** True when Kinesis pushes the records (enhanced fan-out) rather than the worker polling for them. */
    public boolean fanOut() {
        return "fanout".equals(retrieval);
    }
}
