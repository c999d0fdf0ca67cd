package io.logstream.consumer.config;

import io.logstream.consumer.core.AlertPublisher;
import io.logstream.consumer.core.BatchPipeline;
import io.logstream.consumer.core.RetentionSource;
import io.logstream.consumer.core.DeadLetterSink;
import io.logstream.consumer.core.LogStore;
import io.logstream.consumer.core.ServiceCatalogue;
import io.logstream.consumer.core.WriteBuckets;
import io.logstream.consumer.metrics.PipelineMetrics;
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

    /** The pipeline's core, given its adapters and the two settings it needs. */
    @Singleton
    BatchPipeline batchPipeline(LogRecordParser parser, LogStore store, WriteBuckets buckets, ServiceCatalogue catalogue, AlertPublisher alerts, DeadLetterSink deadLetters,
                                PipelineMetrics metrics, Clock clock, RetentionSource retention,
                                AlertSettings alertSettings) {
        return new BatchPipeline(parser::parse, store, buckets, catalogue, alerts, deadLetters, metrics, clock, retention,
                alertSettings.maxAttempts());
    }

    /** Runs the concurrent BatchWriteItem calls of all shards. */
    @Singleton
    @Named("store-writers")
    @Bean(preDestroy = "shutdownNow")
    ExecutorService storeWriters(StoreSettings store) {
        AtomicInteger counter = new AtomicInteger();
        return Executors.newFixedThreadPool(store.writers(), runnable -> {
            Thread thread = new Thread(runnable, "store-writer-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }
}
