package io.logstream.consumer.ingest;

import io.logstream.consumer.config.CountSettings;
import io.logstream.consumer.config.KclSettings;
import io.logstream.consumer.config.LedgerSettings;
import io.logstream.consumer.config.ResourceSettings;
import io.logstream.consumer.core.BatchPipeline;
import io.logstream.consumer.core.CompletenessLedger;
import io.logstream.consumer.core.CountStore;
import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.consumer.retry.Retrier;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** The settings and collaborators every shard processor is built from, as beans. */
@Factory
class ShardWiring {

    @Singleton
    ShardServices shardServices(ResourceSettings settings, WorkerId workerId, BatchPipeline pipeline, Retrier retrier,
                                PipelineMetrics metrics, ShardRegistry shards, CompletenessLedger ledger) {
        return new ShardServices(settings.stream(), workerId, pipeline, retrier, metrics, shards, ledger);
    }

    /** Fan-out confirms an idle shard's tip with Kinesis; polling dates an empty batch by its GetRecords call. */
    @Singleton
    ShardWatermark.Policy watermarks(LedgerSettings ledger, KclSettings kcl, KinesisTipCheck tipCheck,
                                     GetRecordsCalls getRecordsCalls) {
        return new ShardWatermark.Policy(ledger.visibilityMargin(), kcl.fanOut() ? tipCheck : TipCheck.NONE,
                ledger.watermarkInterval(), getRecordsCalls);
    }

    @Singleton
    CountSettlement.Policy settlements(CountStore store, CountSettings counts) {
        return new CountSettlement.Policy(store, counts.enabled(), counts.flushInterval());
    }
}
