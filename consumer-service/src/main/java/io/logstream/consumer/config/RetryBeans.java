package io.logstream.consumer.config;

import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.consumer.retry.Backoff;
import io.logstream.consumer.retry.DependencyHealth;
import io.logstream.consumer.retry.Retrier;
import io.logstream.consumer.retry.Sleeper;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;

/** One retry policy for every dependency: exponential backoff with full jitter, capped, retried in place. */
@Factory
public class RetryBeans {

    @Singleton
    DependencyHealth dependencyHealth(Clock clock) {
        return new DependencyHealth(clock);
    }

    @Singleton
    Retrier retrier(RetrySettings settings, DependencyHealth health, PipelineMetrics metrics) {
        Backoff backoff = new Backoff(settings.baseDelay(), settings.maxDelay(),
                () -> ThreadLocalRandom.current().nextDouble());
        return new Retrier(backoff, Sleeper.REAL, health, metrics::retried);
    }
}
