package io.logstream.consumer.ingest;

import io.logstream.consumer.config.PipelineSettings;
import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.consumer.retry.Retrier;
import jakarta.inject.Singleton;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.processor.ShardRecordProcessorFactory;

/** Gives KCL one {@link LogRecordProcessor} per shard lease. */
@Singleton
public class LogRecordProcessorFactory implements ShardRecordProcessorFactory {
    private final PipelineSettings settings;
    private final BatchPipeline pipeline;
    private final Retrier retrier;
    private final PipelineMetrics metrics;
    private final ShardRegistry shards;

    public LogRecordProcessorFactory(PipelineSettings settings, BatchPipeline pipeline, Retrier retrier,
                                     PipelineMetrics metrics, ShardRegistry shards) {
        this.settings = settings;
        this.pipeline = pipeline;
        this.retrier = retrier;
        this.metrics = metrics;
        this.shards = shards;
    }

    @Override
    public ShardRecordProcessor shardRecordProcessor() {
        return new LogRecordProcessor(settings.stream(), pipeline, retrier, metrics, shards);
    }
}
