package io.logstream.consumer.ingest;

import io.logstream.consumer.core.LogContext;
import io.logstream.consumer.config.KclSettings;
import io.logstream.consumer.metrics.KclMetricsBridge;
import io.logstream.consumer.retry.Retrier;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.leases.Lease;
import software.amazon.kinesis.leases.LeaseManagementConfig;
import software.amazon.kinesis.leases.LeaseRefresher;
import software.amazon.kinesis.leases.exceptions.DependencyException;
import software.amazon.kinesis.leases.exceptions.InvalidStateException;
import software.amazon.kinesis.leases.exceptions.ProvisionedThroughputException;
import software.amazon.kinesis.processor.SingleStreamTracker;
import software.amazon.kinesis.retrieval.polling.PollingConfig;

import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The KCL worker as a managed bean: started with the application (polling retrieval), stopped with
 * {@link Scheduler#startGracefulShutdown()} so leases are handed over after in-flight batches are checkpointed.
 */
@Context
@Singleton
public class KclWorker {
    private static final Logger LOG = LoggerFactory.getLogger(KclWorker.class);

    private final Scheduler scheduler;
    private final Thread thread;
    private final Retrier retrier;
    private final KclSettings kcl;
    private final WorkerId workerId;
    private final DynamoDbAsyncClient dynamoDb;
    private final String applicationName;
    private volatile boolean stopping;

    public KclWorker(KinesisAsyncClient kinesis, DynamoDbAsyncClient dynamoDb, CloudWatchAsyncClient cloudWatch,
                     KclSettings kcl, WorkerId workerId, LogRecordProcessorFactory processors,
                     KclMetricsBridge metrics, SchedulerCreator creator, Retrier retrier) {
        this.retrier = retrier;
        this.kcl = kcl;
        this.dynamoDb = dynamoDb;
        this.applicationName = kcl.applicationName();
        this.workerId = workerId;
        InitialPositionInStreamExtended position = initialPosition(kcl);
        ConfigsBuilder configs = new ConfigsBuilder(new SingleStreamTracker(kcl.stream(), position),
                kcl.applicationName(), kinesis, dynamoDb, cloudWatch, workerId.value(), processors);
        LeaseManagementConfig leases = configs.leaseManagementConfig()
                .failoverTimeMillis(kcl.failoverTime().toMillis())
                .shardSyncIntervalMillis(kcl.shardSyncInterval().toMillis())
                .dynamoDbLockBasedLeaderLeaseDurationInMillis(kcl.leaderLeaseDuration().toMillis())
                .dynamoDbLockBasedLeaderHeartbeatPeriodInMillis(kcl.leaderHeartbeatPeriod().toMillis())
                .leaseAssignmentStrategy(kcl.leaseAssignmentStrategy())
                .leaseAssignmentIntervalMillis(kcl.leaseAssignmentInterval().toMillis());
        this.scheduler = creator.create(
                configs.checkpointConfig(),
                configs.coordinatorConfig()
                        .shardConsumerDispatchPollIntervalMillis(kcl.shardConsumerDispatchPollInterval().toMillis())
                        .parentShardPollIntervalMillis(kcl.parentShardPollInterval().toMillis()),
                leases,
                configs.lifecycleConfig(),
                configs.metricsConfig().metricsFactory(metrics),
                configs.processorConfig().callProcessRecordsEvenForEmptyRecordList(true),
                configs.retrievalConfig().retrievalSpecificConfig(new PollingConfig(kcl.stream(), kinesis)
                        .maxRecords(kcl.maxRecords())
                        .idleTimeBetweenReadsInMillis(kcl.idleTimeBetweenReads().toMillis())));
        LeaseRefresher leaseTable = scheduler.leaseCoordinator().leaseRefresher();
        this.thread = new Thread(() -> {
            try (LogContext.Scope ignored = workerId.inMdc(null)) {
                LeaseTableSeeder.seedIfEmpty(leaseTable, kinesis, kcl.stream(),
                        position.getInitialPositionInStream());
                scheduler.run();
            } finally {
                if (!stopping) {
                    LOG.error("the KCL scheduler thread ended although no shutdown was requested; liveness fails");
                }
            }
        }, "kcl-scheduler");
        thread.setDaemon(true);
        thread.start();
        try (LogContext.Scope ignored = workerId.inMdc(null)) {
            LOG.info("KCL worker started on stream {} (application {}, initial position {})", kcl.stream(),
                    kcl.applicationName(), position);
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
        return stopping || thread.isAlive();
    }

    /** True while the scheduler runs and has not been asked to stop. */
    public boolean running() {
        return thread.isAlive() && !scheduler.hasGracefulShutdownStarted();
    }

    @PreDestroy
    void stop() {
        stopping = true;
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
                handOver();
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

    /**
     * After a graceful shutdown KCL 3.5.1 leaves this worker the owner of its leases until they expire (the failover
     * time), and its WorkerMetricStats entry valid until it ages out (awslabs/amazon-kinesis-client#1452), so the
     * leader's LeaseAssignmentManager neither reassigns the leases at once nor stops handing leases to this gone
     * worker: a survivor or a restarted worker waited 10-50 s for them. Every lease is checkpointed at this point, so
     * giving both up is safe: the metrics entry goes first (so no lease is assigned back here), then each lease is
     * evicted (its owner cleared, or its checkpoint owner when KCL was handing it over), conditionally on it not
     * having moved.
     */
    private void handOver() {
        // KCL 3.5 keeps the entry in the lease table under leaseKey = worker id (a 2.x-migrated application may
        // still have it in <application>-WorkerMetricStats under wid); only a metrics item has "lut"
        try {
            dynamoDb.deleteItem(b -> b.tableName(applicationName)
                    .key(Map.of("leaseKey", AttributeValue.fromS(workerId.value())))
                    .conditionExpression("attribute_exists(lut)")).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("could not remove this worker's metrics entry; the leader ignores it once it ages out: {}",
                    e.toString());
        }
        try {
            LeaseRefresher leases = scheduler.leaseCoordinator().leaseRefresher();
            int released = 0;
            for (Lease lease : leases.listLeases()) {
                // a lease whose graceful hand-off to another worker this shutdown interrupted names this worker as its
                // checkpoint owner; evicting clears that, so the new owner starts without waiting for expiry
                boolean ours = workerId.value().equals(lease.leaseOwner()) || workerId.value().equals(lease.checkpointOwner());
                if (ours && leases.evictLease(lease)) {
                    released++;
                }
            }
            LOG.info("released {} leases for the next owner", released);
        } catch (DependencyException | InvalidStateException | ProvisionedThroughputException e) {
            LOG.warn("could not release the leases; they expire after the failover time: {}", e.toString());
        }
    }

    private static InitialPositionInStreamExtended initialPosition(KclSettings settings) {
        InitialPositionInStream position = InitialPositionInStream.valueOf(settings.initialPosition());
        if (position == InitialPositionInStream.AT_TIMESTAMP) {
            if (settings.initialTimestamp() == null || settings.initialTimestamp().isBlank()) {
                throw new IllegalArgumentException("KCL_INITIAL_POSITION=AT_TIMESTAMP needs KCL_INITIAL_TIMESTAMP "
                        + "(an ISO-8601 instant)");
            }
            return InitialPositionInStreamExtended.newInitialPositionAtTimestamp(
                    Date.from(Instant.parse(settings.initialTimestamp())));
        }
        return InitialPositionInStreamExtended.newInitialPosition(position);
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
