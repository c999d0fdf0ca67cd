package io.logstream.consumer;

import io.logstream.consumer.ingest.SchedulerCreator;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Replaces;
import jakarta.inject.Singleton;
import software.amazon.kinesis.coordinator.FastStartScheduler;

/** Every consumer started by the tests uses {@link FastStartScheduler}. */
@Factory
public class FastSchedulerForTests {
    @Singleton
    @Replaces(SchedulerCreator.class)
    SchedulerCreator fastScheduler() {
        return FastStartScheduler::new;
    }
}
