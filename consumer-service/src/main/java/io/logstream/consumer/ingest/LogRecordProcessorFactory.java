package io.logstream.consumer.ingest;

import io.logstream.consumer.core.BatchPipeline;
import io.logstream.consumer.config.KclSettings;
import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.consumer.retry.Retrier;
import jakarta.inject.Singleton;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.processor.ShardRecordProcessorFactory;

/** Gives KCL one {@link LogRecordProcessor} per shard lease. */
@Singleton
public class LogRecordProcessorFactory implements ShardRecordProcessorFactory {
    private final KclSettings settings;
    private final BatchPipeline pipeline;
    private final Retrier retrier;
    private final PipelineMetrics metrics;
    private final ShardRegistry shards;
    private final WorkerId workerId;

    public LogRecordProcessorFactory(KclSettings settings, BatchPipeline pipeline, Retrier retrier,
                                     PipelineMetrics metrics, ShardRegistry shards, WorkerId workerId) {
        this.settings = settings;
        this.pipeline = pipeline;
        this.retrier = retrier;
        this.metrics = metrics;
        this.shards = shards;
        this.workerId = workerId;
    }

    @Override
    public ShardRecordProcessor shardRecordProcessor() {
        return new LogRecordProcessor(settings.stream(), workerId, pipeline, retrier, metrics, shards);
    }
}
