package io.logstream.consumer.ingest;

import io.logstream.consumer.config.KclSettings;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.kinesis.checkpoint.CheckpointConfig;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.coordinator.CoordinatorConfig;
import software.amazon.kinesis.leases.LeaseManagementConfig;
import software.amazon.kinesis.lifecycle.LifecycleConfig;
import software.amazon.kinesis.metrics.MetricsConfig;
import software.amazon.kinesis.metrics.MetricsFactory;
import software.amazon.kinesis.processor.ProcessorConfig;
import software.amazon.kinesis.processor.ShardRecordProcessorFactory;
import software.amazon.kinesis.processor.SingleStreamTracker;
import software.amazon.kinesis.retrieval.RetrievalConfig;
import software.amazon.kinesis.retrieval.RetrievalSpecificConfig;
import software.amazon.kinesis.retrieval.fanout.FanOutConfig;
import software.amazon.kinesis.retrieval.polling.PollingConfig;

import java.time.Instant;
import java.util.Date;

/**
 * The settings translated into KCL's configs: a pure function of its arguments (it builds objects and starts nothing),
 * so what each setting becomes is unit-tested. Polling or enhanced fan-out retrieval ({@link KclSettings#retrieval()});
 * empty batches are delivered in both, so an idle shard's completeness watermark moves.
 */
public record KclConfigs(InitialPositionInStreamExtended position, CheckpointConfig checkpoint,
                         CoordinatorConfig coordinator, LeaseManagementConfig leases, LifecycleConfig lifecycle,
                         MetricsConfig metrics, ProcessorConfig processor, RetrievalConfig retrieval) {

    public static KclConfigs of(KclSettings kcl, String stream, String workerId, KinesisAsyncClient kinesis,
                                DynamoDbAsyncClient dynamoDb, CloudWatchAsyncClient cloudWatch,
                                ShardRecordProcessorFactory processors, MetricsFactory metricsFactory) {
        InitialPositionInStreamExtended position = initialPosition(kcl);
        ConfigsBuilder configs = new ConfigsBuilder(new SingleStreamTracker(stream, position),
                kcl.applicationName(), kinesis, dynamoDb, cloudWatch, workerId, processors);
        LeaseManagementConfig leases = configs.leaseManagementConfig()
                .failoverTimeMillis(kcl.failoverTime().toMillis())
                .shardSyncIntervalMillis(kcl.shardSyncInterval().toMillis())
                .dynamoDbLockBasedLeaderLeaseDurationInMillis(kcl.leaderLeaseDuration().toMillis())
                .dynamoDbLockBasedLeaderHeartbeatPeriodInMillis(kcl.leaderHeartbeatPeriod().toMillis())
                .leaseAssignmentStrategy(kcl.leaseAssignmentStrategy())
                .leaseAssignmentIntervalMillis(kcl.leaseAssignmentInterval().toMillis());
        return new KclConfigs(position, configs.checkpointConfig(),
                configs.coordinatorConfig()
                        .shardConsumerDispatchPollIntervalMillis(kcl.shardConsumerDispatchPollInterval().toMillis())
                        .parentShardPollIntervalMillis(kcl.parentShardPollInterval().toMillis()),
                leases,
                configs.lifecycleConfig(),
                configs.metricsConfig().metricsFactory(metricsFactory),
                configs.processorConfig().callProcessRecordsEvenForEmptyRecordList(true),
                configs.retrievalConfig().retrievalSpecificConfig(retrieval(kcl, stream, kinesis)));
    }

    /**
     * Polling, or fan-out through the stream consumer KCL manages: named after the application, registered the first
     * time (RegisterStreamConsumer) and reused after that (DescribeStreamConsumer finds it by name).
     */
    static RetrievalSpecificConfig retrieval(KclSettings kcl, String stream, KinesisAsyncClient kinesis) {
        if (kcl.fanOut()) {
            if (!kcl.http2()) {
                throw new IllegalArgumentException("KCL_RETRIEVAL=fanout needs HTTP/2 (log-stream.kcl.http2=true): "
                        + "SubscribeToShard is served only over HTTP/2");
            }
            return new FanOutConfig(kinesis).streamName(stream).applicationName(kcl.applicationName())
                    .consumerName(kcl.applicationName());
        }
        return new PollingConfig(stream, kinesis).maxRecords(kcl.maxRecords())
                .idleTimeBetweenReadsInMillis(kcl.idleTimeBetweenReads().toMillis());
    }

    static InitialPositionInStreamExtended initialPosition(KclSettings settings) {
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
}
