package io.logstream.consumer.config;

import io.logstream.model.LogRecordParser;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** Plain objects the pipeline shares. */
@Factory
public class CoreBeans {

    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Singleton
    LogRecordParser logRecordParser() {
        return new LogRecordParser();
    }

    /** Runs the concurrent BatchWriteItem calls of all shards. */
    @Singleton
    @Named("store-writers")
    @Bean(preDestroy = "shutdownNow")
    ExecutorService storeWriters(PipelineSettings settings) {
        AtomicInteger counter = new AtomicInteger();
        return Executors.newFixedThreadPool(settings.storeWriters(), runnable -> {
            Thread thread = new Thread(runnable, "store-writer-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }
}
