package io.logstream.consumer.health;

import io.logstream.consumer.ingest.KclWorker;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.AbstractHealthIndicator;
import io.micronaut.management.health.indicator.annotation.Liveness;
import jakarta.inject.Singleton;

import java.util.Map;

/**
 * Live while the KCL scheduler thread runs. A dead scheduler reads nothing and never recovers by itself, so the
 * orchestrator should restart the process; dependency outages are readiness matters ({@link ConsumerHealthIndicator}),
 * since a restart would not cure them.
 */
@Singleton
@Liveness
public class SchedulerLivenessIndicator extends AbstractHealthIndicator<Map<String, Object>> {
    private final KclWorker worker;

    public SchedulerLivenessIndicator(KclWorker worker) {
        this.worker = worker;
    }

    @Override
    protected Map<String, Object> getHealthInformation() {
        boolean alive = worker.alive();
        healthStatus = alive ? HealthStatus.UP : HealthStatus.DOWN;
        return Map.of("schedulerThreadAlive", alive);
    }

    @Override
    protected String getName() {
        return "kcl-scheduler";
    }
}
