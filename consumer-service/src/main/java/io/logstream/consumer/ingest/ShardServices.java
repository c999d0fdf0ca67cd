package io.logstream.consumer.ingest;

import io.logstream.consumer.core.BatchPipeline;
import io.logstream.consumer.core.CompletenessLedger;
import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.consumer.retry.Retrier;

/** What every shard's processor shares with the others of its worker. */
record ShardServices(String stream, WorkerId workerId, BatchPipeline pipeline, Retrier retrier,
                     PipelineMetrics metrics, ShardRegistry shards, CompletenessLedger ledger) {
}
