package io.logstream.consumer.ingest;

import io.logstream.consumer.core.LogContext;
import io.logstream.consumer.core.IncomingRecord;
import io.logstream.consumer.core.BatchPipeline;
import io.logstream.consumer.core.CompletenessLedger;
import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.consumer.retry.Retrier;
import io.logstream.consumer.retry.RetryAbortedException;
import io.logstream.model.RecordCoordinates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.kinesis.model.ChildShard;
import software.amazon.kinesis.exceptions.KinesisClientLibException;
import software.amazon.kinesis.exceptions.KinesisClientLibDependencyException;
import software.amazon.kinesis.exceptions.ShutdownException;
import software.amazon.kinesis.exceptions.ThrottlingException;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ProcessRecordsInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.processor.RecordProcessorCheckpointer;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One shard's processor. KCL never hands a batch over twice, so a batch is finished here or not at all: the
 * pipeline retries in place, and the checkpoint is written only after every side effect of the batch is done. If
 * the application stops while a dependency is down, the batch is left unchecked and the next owner reads it again
 * (ids are deterministic, so the rewrite changes nothing). Every callback runs with the worker and the shard in the
 * MDC, so each line it logs carries both.
 */
public class LogRecordProcessor implements ShardRecordProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(LogRecordProcessor.class);

    private final String stream;
    private final WorkerId workerId;
    private final BatchPipeline pipeline;
    private final Retrier retrier;
    private final PipelineMetrics metrics;
    private final ShardRegistry shards;
    private final CompletenessLedger ledger;
    private final Duration visibilityMargin;
    private String shardId;
    private KinesisClientRecord lastDone;
    private List<String> childShards = List.of();

    public LogRecordProcessor(String stream, WorkerId workerId, BatchPipeline pipeline, Retrier retrier, PipelineMetrics metrics,
                              ShardRegistry shards, CompletenessLedger ledger, Duration visibilityMargin) {
        this.stream = stream;
        this.workerId = workerId;
        this.pipeline = pipeline;
        this.retrier = retrier;
        this.metrics = metrics;
        this.shards = shards;
        this.ledger = ledger;
        this.visibilityMargin = visibilityMargin;
    }

    @Override
    public void initialize(InitializationInput input) {
        shardId = input.shardId();
        try (LogContext.Scope ignored = workerId.inMdc(shardId)) {
            shards.acquired(shardId);
            ledger.opened(shardId);
            LOG.info("processing the shard from {}", input.extendedSequenceNumber());
        }
    }

    @Override
    public void processRecords(ProcessRecordsInput input) {
        try (LogContext.Scope ignored = workerId.inMdc(shardId)) {
            process(input);
        }
    }

    private void process(ProcessRecordsInput input) {
        if (input.millisBehindLatest() != null) {
            metrics.lag(shardId, input.millisBehindLatest());
        }
        if (input.childShards() != null && !input.childShards().isEmpty()) {
            childShards = input.childShards().stream().map(ChildShard::shardId).toList();
        }
        List<KinesisClientRecord> records = input.records();
        if (records.isEmpty()) {
            completeUntil(input, null).ifPresent(until -> ledger.advanced(shardId, until));
            return;
        }
        long started = System.nanoTime();
        List<IncomingRecord> batch = new ArrayList<>(records.size());
        for (KinesisClientRecord record : records) {
            batch.add(new IncomingRecord(bytes(record.data()), new RecordCoordinates(stream, shardId,
                    record.sequenceNumber(), record.subSequenceNumber(), arrival(record))));
        }
        try {
            processInPlace(batch);
            KinesisClientRecord last = records.get(records.size() - 1);
            checkpoint(input.checkpointer(), last);
            lastDone = last;
            completeUntil(input, last).ifPresent(until -> ledger.advanced(shardId, until));
            metrics.batchTook(Duration.ofNanos(System.nanoTime() - started));
        } catch (RetryAbortedException e) {
            LOG.warn("stopping with a batch of {} unfinished and not checkpointed ({})", records.size(),
                    e.getMessage());
        }
    }

    /**
     * The arrival time up to which the shard is done once this batch is:
     * <ul>
     *   <li>a batch with records: the last record's arrival less the visibility margin (arrival times follow sequence
     *   numbers only approximately);</li>
     *   <li>an empty batch at the tip of an open shard ({@code millisBehindLatest} 0, no child shards): the time its
     *   GetRecords call was answered (KCL's cache entry time) less the visibility margin. KCL is told to deliver empty
     *   batches, so an idle shard's watermark keeps moving;</li>
     *   <li>anything else, in particular an empty answer from a shard that has ended: nothing new. Once a shard is
     *   split or merged, new records go to its children, so its own emptiness says nothing about them.</li>
     * </ul>
     * The ledger keeps the highest value per shard, so a lower one changes nothing.
     */
    private Optional<Instant> completeUntil(ProcessRecordsInput input, KinesisClientRecord last) {
        if (last != null) {
            return Optional.of(arrival(last).minus(visibilityMargin));
        }
        boolean ended = input.isAtShardEnd() || (input.childShards() != null && !input.childShards().isEmpty());
        if (ended || input.millisBehindLatest() == null || input.millisBehindLatest() != 0) {
            return Optional.empty();
        }
        Instant fetched = input.cacheEntryTime() != null ? input.cacheEntryTime() : Instant.now();
        return Optional.of(fetched.minus(visibilityMargin));
    }

    /** Unexpected failures are retried too: skipping the batch would lose it. One record's defect never gets here. */
    private void processInPlace(List<IncomingRecord> batch) {
        // thrown out of processRecords, a failure would make KCL log it and move on: the batch would be lost
        retrier.call("pipeline", () -> pipeline.process(batch), failure -> {
            LOG.error("batch failed unexpectedly, retrying it", failure);
            return true;
        });
    }

    @Override
    public void leaseLost(LeaseLostInput input) {
        try (LogContext.Scope ignored = workerId.inMdc(shardId)) {
            release();
            LOG.info("lease lost");
        }
    }

    /**
     * Records the shard's end in the ledger (its children start from its watermark) and then checkpoints it. In that
     * order: if the worker dies in between, the next owner reads the shard's tail again and ends it again. KCL also
     * calls this on a processor it never initialized, when the previous owner had already checkpointed the end; the
     * ledger then holds the end already, and only the checkpoint is left to do.
     */
    @Override
    public void shardEnded(ShardEndedInput input) {
        if (shardId == null) {
            try (LogContext.Scope ignored = workerId.inMdc(null)) {
                LOG.info("a shard ended before this processor started (its previous owner finished it); checkpointing");
                checkpoint(input.checkpointer(), null);
            }
            return;
        }
        try (LogContext.Scope ignored = workerId.inMdc(shardId)) {
            release();
            ledger.ended(shardId, childShards);
            LOG.info("shard ended, checkpointing its end");
            checkpoint(input.checkpointer(), null);
        }
    }

    @Override
    public void shutdownRequested(ShutdownRequestedInput input) {
        try (LogContext.Scope ignored = workerId.inMdc(shardId)) {
            release();
            if (lastDone != null) {
                LOG.info("shutdown requested, checkpointing at {}", lastDone.sequenceNumber());
                checkpoint(input.checkpointer(), lastDone);
            }
        }
    }

    /** The shard is no longer this worker's: it leaves health and its lag series leaves the metrics. */
    private void release() {
        if (shardId != null) {
            shards.released(shardId);
            metrics.shardReleased(shardId);
        }
    }

    /** Checkpoints at {@code record}, or at the shard's end when null; retries while the lease table is unavailable. */
    private void checkpoint(RecordProcessorCheckpointer checkpointer, KinesisClientRecord record) {
        try {
            retrier.call("checkpoint", () -> {
                try {
                    if (record == null) {
                        checkpointer.checkpoint();
                    } else {
                        checkpointer.checkpoint(record.sequenceNumber(), record.subSequenceNumber());
                    }
                } catch (KinesisClientLibException e) {
                    throw new CheckpointFailure(e);
                }
            }, failure -> {
                boolean transient_ = failure.getCause() instanceof ThrottlingException
                        || failure.getCause() instanceof KinesisClientLibDependencyException;
                if (transient_) {
                    metrics.checkpointFailed();
                }
                return transient_;
            });
            metrics.checkpointed();
        } catch (CheckpointFailure e) {
            if (e.getCause() instanceof ShutdownException) {
                LOG.info("lease lost before checkpoint; the next owner resumes from the last checkpoint");
            } else {
                metrics.checkpointFailed();
                LOG.error("checkpoint refused", e.getCause());
            }
        }
    }

    /** A checked KCL checkpoint exception carried through the retry. */
    private static final class CheckpointFailure extends RuntimeException {
        private CheckpointFailure(KinesisClientLibException cause) {
            super(cause);
        }
    }

    private static byte[] bytes(ByteBuffer data) {
        ByteBuffer copy = data.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    private static Instant arrival(KinesisClientRecord record) {
        return record.approximateArrivalTimestamp() != null ? record.approximateArrivalTimestamp() : Instant.now();
    }
}
