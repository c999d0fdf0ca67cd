package io.logstream.consumer.health;

import io.logstream.consumer.config.PipelineSettings;
import io.logstream.consumer.ingest.KclWorker;
import io.logstream.consumer.ingest.ShardRegistry;
import io.logstream.consumer.retry.DependencyHealth;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.AbstractHealthIndicator;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ready while the KCL worker runs and no dependency has been failing for longer than {@code unhealthy-after}
 * (30 s by default). The details list owned shards and every dependency currently failing, with since when and the
 * last error, so a stuck shard is visible here as well as in the retry metrics.
 */
@Singleton
@Readiness
public class ConsumerHealthIndicator extends AbstractHealthIndicator<Map<String, Object>> {
    private final KclWorker worker;
    private final ShardRegistry shards;
    private final DependencyHealth dependencies;
    private final Duration unhealthyAfter;

    public ConsumerHealthIndicator(KclWorker worker, ShardRegistry shards, DependencyHealth dependencies,
                                   PipelineSettings settings) {
        this.worker = worker;
        this.shards = shards;
        this.dependencies = dependencies;
        this.unhealthyAfter = settings.unhealthyAfter();
    }

    @Override
    protected Map<String, Object> getHealthInformation() {
        Map<String, DependencyHealth.Failure> stuck = dependencies.failingLongerThan(unhealthyAfter);
        healthStatus = worker.running() && stuck.isEmpty() ? HealthStatus.UP : HealthStatus.DOWN;
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("worker", worker.workerId());
        details.put("schedulerRunning", worker.running());
        details.put("shards", shards.owned());
        Map<String, Object> failing = new LinkedHashMap<>();
        dependencies.failing().forEach((name, failure) -> failing.put(name,
                Map.of("since", failure.since().toString(), "lastError", failure.lastError())));
        details.put("failingDependencies", failing);
        return details;
    }

    @Override
    protected String getName() {
        return "kinesis-consumer";
    }
}
