package io.logstream.consumer;

import io.logstream.consumer.ingest.SchedulerCreator;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Property;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import software.amazon.kinesis.coordinator.FastStartScheduler;

/**
 * Every consumer started by the tests uses {@link FastStartScheduler}; with {@code log-stream.test.scheduler-dies}
 * its run loop ends with an error at once, as a scheduler thread killed by a bug would.
 */
@Factory
public class FastSchedulerForTests {
    @Singleton
    @Replaces(SchedulerCreator.class)
    SchedulerCreator fastScheduler(@Property(name = "log-stream.test.scheduler-dies") @Nullable Boolean dies) {
        if (Boolean.TRUE.equals(dies)) {
            return (checkpoint, coordinator, leases, lifecycle, metrics, processor, retrieval) ->
                    new FastStartScheduler(checkpoint, coordinator, leases, lifecycle, metrics, processor, retrieval) {
                        @Override
                        public void run() {
                            throw new IllegalStateException("simulated scheduler crash");
                        }
                    };
        }
        return FastStartScheduler::new;
    }
}
