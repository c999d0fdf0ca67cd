package io.logstream.consumer.ingest;

import io.logstream.consumer.core.BatchPipeline;
import io.logstream.consumer.config.ResourceSettings;
import io.logstream.consumer.config.CountSettings;
import io.logstream.consumer.config.KclSettings;
import io.logstream.consumer.config.LedgerSettings;
import io.logstream.consumer.core.CountStore;
import io.logstream.consumer.core.CompletenessLedger;
import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.consumer.retry.Retrier;
import jakarta.inject.Singleton;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.processor.ShardRecordProcessorFactory;

/** Gives KCL one {@link LogRecordProcessor} per shard lease. */
@Singleton
public class LogRecordProcessorFactory implements ShardRecordProcessorFactory {
    private final ResourceSettings settings;
    private final BatchPipeline pipeline;
    private final Retrier retrier;
    private final PipelineMetrics metrics;
    private final ShardRegistry shards;
    private final WorkerId workerId;
    private final CompletenessLedger ledger;
    private final LedgerSettings ledgerSettings;
    private final CountStore countStore;
    private final CountSettings countSettings;
    private final TipCheck tipCheck;
    private final FetchStarts fetchStarts;

    public LogRecordProcessorFactory(ResourceSettings settings, BatchPipeline pipeline, Retrier retrier,
                                     PipelineMetrics metrics, ShardRegistry shards, WorkerId workerId,
                                     CompletenessLedger ledger, LedgerSettings ledgerSettings, CountStore countStore,
                                     CountSettings countSettings, KclSettings kcl, KinesisTipCheck kinesisTipCheck,
                                     GetRecordsCalls getRecordsCalls) {
        this.tipCheck = kcl.fanOut() ? kinesisTipCheck : TipCheck.NONE;
        this.fetchStarts = getRecordsCalls;
        this.countStore = countStore;
        this.countSettings = countSettings;
        this.settings = settings;
        this.pipeline = pipeline;
        this.retrier = retrier;
        this.metrics = metrics;
        this.shards = shards;
        this.workerId = workerId;
        this.ledger = ledger;
        this.ledgerSettings = ledgerSettings;
    }

    @Override
    public ShardRecordProcessor shardRecordProcessor() {
        return new LogRecordProcessor(settings.stream(), workerId, pipeline, retrier, metrics, shards, ledger,
                ledgerSettings.visibilityMargin(), countStore, countSettings.enabled(), countSettings.flushInterval(), tipCheck,
                ledgerSettings.watermarkInterval(), fetchStarts);
    }
}
