package io.logstream.consumer.ingest;

import io.logstream.consumer.core.LogContext;
import io.logstream.consumer.config.KclSettings;
import io.logstream.consumer.config.ResourceSettings;
import io.logstream.consumer.metrics.KclMetricsBridge;
import io.logstream.consumer.retry.Retrier;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.leases.LeaseRefresher;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The KCL worker as a managed bean. Creating it starts nothing: the scheduler is built from {@link KclConfigs} and its
 * thread started on {@link StartupEvent}; it is stopped with {@link Scheduler#startGracefulShutdown()} so leases are
 * handed over after in-flight batches are checkpointed ({@link LeaseHandOver}).
 */
@Context
@Singleton
public class KclWorker implements ApplicationEventListener<StartupEvent> {
    private static final Logger LOG = LoggerFactory.getLogger(KclWorker.class);

    private final KinesisAsyncClient kinesis;
    private final DynamoDbAsyncClient dynamoDb;
    private final CloudWatchAsyncClient cloudWatch;
    private final KclSettings kcl;
    private final String stream;
    private final WorkerId workerId;
    private final LogRecordProcessorFactory processors;
    private final KclMetricsBridge metrics;
    private final SchedulerCreator creator;
    private final Retrier retrier;
    private volatile Scheduler scheduler;
    private volatile Thread thread;
    private volatile boolean stopping;

    public KclWorker(KinesisAsyncClient kinesis, DynamoDbAsyncClient dynamoDb, CloudWatchAsyncClient cloudWatch,
                     KclSettings kcl, ResourceSettings resources, WorkerId workerId,
                     LogRecordProcessorFactory processors, KclMetricsBridge metrics, SchedulerCreator creator,
                     Retrier retrier) {
        this.stream = resources.stream();
        this.kinesis = kinesis;
        this.dynamoDb = dynamoDb;
        this.cloudWatch = cloudWatch;
        this.kcl = kcl;
        this.workerId = workerId;
        this.processors = processors;
        this.metrics = metrics;
        this.creator = creator;
        this.retrier = retrier;
        KclConfigs.initialPosition(kcl); // a bad position or timestamp fails the start-up, not the scheduler thread
        KclConfigs.retrieval(kcl, stream, kinesis); // so does fan-out without HTTP/2
    }

    @Override
    public synchronized void onApplicationEvent(StartupEvent event) {
        if (thread != null || stopping) {
            return;
        }
        KclConfigs configs = KclConfigs.of(kcl, stream, workerId.value(), kinesis, dynamoDb, cloudWatch, processors, metrics);
        Scheduler created = creator.create(configs.checkpoint(), configs.coordinator(), configs.leases(),
                configs.lifecycle(), configs.metrics(), configs.processor(), configs.retrieval());
        LeaseRefresher leaseTable = created.leaseCoordinator().leaseRefresher();
        Thread started = new Thread(() -> {
            try (LogContext.Scope ignored = workerId.inMdc(null)) {
                LeaseTableSeeder.seedIfEmpty(leaseTable, kinesis, stream,
                        configs.position().getInitialPositionInStream());
                created.run();
            } finally {
                if (!stopping) {
                    LOG.error("the KCL scheduler thread ended although no shutdown was requested; liveness fails");
                }
            }
        }, "kcl-scheduler");
        started.setDaemon(true);
        scheduler = created;
        thread = started;
        started.start();
        try (LogContext.Scope ignored = workerId.inMdc(null)) {
            LOG.info("KCL worker started on stream {} (application {}, initial position {})", stream,
                    kcl.applicationName(), configs.position());
        }
    }

    public String workerId() {
        return workerId.value();
    }

    /**
     * False once the scheduler thread has ended without being asked to: the worker can no longer read, and only a
     * restart helps.
     */
    public boolean alive() {
        Thread current = thread;
        return stopping || current == null || current.isAlive();
    }

    /** True while the scheduler runs and has not been asked to stop. */
    public boolean running() {
        Thread current = thread;
        return current != null && current.isAlive() && !scheduler.hasGracefulShutdownStarted();
    }

    @PreDestroy
    synchronized void stop() {
        stopping = true;
        if (thread == null) {
            return; // never started
        }
        if (!thread.isAlive()) {
            // the scheduler already died (liveness said so): there is no batch in flight and no loop that would ever
            // answer a graceful shutdown, so waiting for one would only hold the process past its SIGTERM
            LOG.warn("KCL worker {} stopping: its scheduler thread had already ended; leases expire after the "
                    + "failover time", workerId.value());
            scheduler.shutdown();
            return;
        }
        LOG.info("KCL worker {} shutting down gracefully", workerId.value());
        Future<Boolean> graceful = scheduler.startGracefulShutdown();
        try {
            if (awaitGraceful(graceful, kcl.gracefulShutdownTimeout().toMillis())) {
                LeaseHandOver.handOver(dynamoDb, scheduler.leaseCoordinator().leaseRefresher(), kcl.applicationName(),
                        workerId.value());
            }
        } catch (TimeoutException e) {
            // a dependency is still down: give up the unfinished batches unchecked, so they are read again
            LOG.warn("graceful shutdown did not finish within {}; aborting retries", kcl.gracefulShutdownTimeout());
            retrier.abort();
            try {
                awaitGraceful(graceful, 5_000);
            } catch (TimeoutException stillStuck) {
                scheduler.shutdown();
            }
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("KCL worker {} stopped", workerId.value());
    }

    /** True when every shard finished its batch and checkpointed. */
    private static boolean awaitGraceful(Future<Boolean> graceful, long millis) throws TimeoutException {
        try {
            return Boolean.TRUE.equals(graceful.get(millis, TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.warn("graceful shutdown failed: {}", e.getCause().toString());
        }
        return false;
    }

    /** The production scheduler. */
    @Factory
    static class Schedulers {
        @Singleton
        @Bean
        SchedulerCreator schedulerCreator() {
            return Scheduler::new;
        }
    }
}
