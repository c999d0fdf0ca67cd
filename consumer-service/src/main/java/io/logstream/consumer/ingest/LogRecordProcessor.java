package io.logstream.consumer.ingest;

import io.logstream.consumer.core.LogContext;
import io.logstream.consumer.core.IncomingRecord;
import io.logstream.consumer.core.BatchPipeline;
import io.logstream.consumer.core.CompletenessLedger;
import io.logstream.consumer.core.CountStore;
import io.logstream.consumer.core.PendingItem;
import io.logstream.consumer.core.ShardCounts;
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
 * (ids are deterministic, so the rewrite changes nothing). With counts on, the stored records are counted and the
 * counts flushed once per flush interval, and the checkpoint follows each flush, never a batch whose counts are only in
 * memory ({@link ShardCounts}). Every callback runs with the worker and the shard in the
 * MDC, so each line it logs carries both.
 */
public class LogRecordProcessor implements ShardRecordProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(LogRecordProcessor.class);

    private final ShardServices services;
    private final PipelineMetrics metrics;
    private final CompletenessLedger ledger;
    private final ShardWatermark.Policy watermarks;
    private final CountSettlement.Policy settlements;
    private String shardId;
    private ShardWatermark watermark;
    private CountSettlement settlement;
    private KinesisClientRecord lastDone;
    private boolean fenced;
    private List<String> childShards = List.of();

    LogRecordProcessor(ShardServices services, ShardWatermark.Policy watermarks, CountSettlement.Policy settlements) {
        this.services = services;
        this.metrics = services.metrics();
        this.ledger = services.ledger();
        this.watermarks = watermarks;
        this.settlements = settlements;
    }

    @Override
    public void initialize(InitializationInput input) {
        shardId = input.shardId();
        String startedFrom = input.extendedSequenceNumber() != null
                ? input.extendedSequenceNumber().sequenceNumber() : null;
        watermark = watermarks.open(shardId, startedFrom, Instant.now());
        try (LogContext.Scope ignored = services.workerId().inMdc(shardId)) {
            services.shards().acquired(shardId);
            ledger.opened(shardId);
            settlement = settlements.open(shardId, ledger, watermark::vouchedBy);
            LOG.info("processing the shard from {}", input.extendedSequenceNumber());
        }
    }

    @Override
    public void processRecords(ProcessRecordsInput input) {
        try (LogContext.Scope ignored = services.workerId().inMdc(shardId)) {
            process(input);
        }
    }

    private void process(ProcessRecordsInput input) {
        if (fenced) {
            return; // another worker counts this shard now; KCL hands the lease over
        }
        if (input.millisBehindLatest() != null) {
            metrics.lag(shardId, input.millisBehindLatest());
        }
        if (input.childShards() != null && !input.childShards().isEmpty()) {
            childShards = input.childShards().stream().map(ChildShard::shardId).toList();
        }
        watermark.received(input);
        List<KinesisClientRecord> records = input.records();
        try {
            if (records.isEmpty()) {
                Optional<Instant> until = watermark.completeUntil(input, null, lastDone);
                until.ifPresent(at -> ledger.advanced(shardId, at));
                settlement.idle(until);
                settlement.settleIfDue(checkpointer(input.checkpointer()));
                return;
            }
            long started = System.nanoTime();
            List<IncomingRecord> batch = new ArrayList<>(records.size());
            for (KinesisClientRecord record : records) {
                batch.add(new IncomingRecord(bytes(record.data()), new RecordCoordinates(services.stream(), shardId,
                        record.sequenceNumber(), record.subSequenceNumber(), ShardWatermark.arrival(record))));
            }
            List<PendingItem> stored = processInPlace(batch);
            KinesisClientRecord last = records.get(records.size() - 1);
            settlement.stored(stored, last);
            KinesisClientRecord before = lastDone;
            lastDone = last;
            // stored is stored: the watermark does not wait for the counts or the checkpoint
            watermark.completeUntil(input, last, before).ifPresent(until -> ledger.advanced(shardId, until));
            settlement.settleIfDue(checkpointer(input.checkpointer()));
            metrics.batchTook(Duration.ofNanos(System.nanoTime() - started));
        } catch (RetryAbortedException e) {
            LOG.warn("stopping with {} records unfinished or not checkpointed ({})", records.size(), e.getMessage());
        } catch (CountStore.Fenced e) {
            fence(e);
        }
    }

    /** A later owner took the shard's counts over: this one stops, leaving the rest to it. */
    private void fence(CountStore.Fenced e) {
        fenced = true;
        settlement.drop();
        LOG.warn("stopping: {}; the new owner counts from the last checkpoint", e.getMessage());
    }

    /** Unexpected failures are retried too: skipping the batch would lose it. One record's defect never gets here. */
    private List<PendingItem> processInPlace(List<IncomingRecord> batch) {
        List<List<PendingItem>> stored = new ArrayList<>(1);
        // thrown out of processRecords, a failure would make KCL log it and move on: the batch would be lost
        services.retrier().call("pipeline", () -> {
            stored.clear();
            stored.add(services.pipeline().process(batch));
        }, failure -> {
            LOG.error("batch failed unexpectedly, retrying it", failure);
            return true;
        });
        return stored.get(0);
    }

    @Override
    public void leaseLost(LeaseLostInput input) {
        try (LogContext.Scope ignored = services.workerId().inMdc(shardId)) {
            release();
            if (settlement != null) {
                settlement.drop();
            }
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
            try (LogContext.Scope ignored = services.workerId().inMdc(null)) {
                LOG.info("a shard ended before this processor started (its previous owner finished it); checkpointing");
                checkpoint(input.checkpointer(), null);
            }
            return;
        }
        try (LogContext.Scope ignored = services.workerId().inMdc(shardId)) {
            release();
            if (!finishCounts()) {
                return;
            }
            ledger.ended(shardId, childShards);
            LOG.info("shard ended, checkpointing its end");
            checkpoint(input.checkpointer(), null);
        }
    }

    @Override
    public void shutdownRequested(ShutdownRequestedInput input) {
        try (LogContext.Scope ignored = services.workerId().inMdc(shardId)) {
            release();
            if (fenced) {
                return;
            }
            KinesisClientRecord unsettled = settlement == null ? null : settlement.unsettled();
            if (unsettled == null && lastDone != null) {
                LOG.info("shutdown requested, checkpointing at {}", lastDone.sequenceNumber());
                checkpoint(input.checkpointer(), lastDone);
            } else if (unsettled != null) {
                LOG.info("shutdown requested, flushing the counts and checkpointing at {}", unsettled.sequenceNumber());
                try {
                    settlement.settle(checkpointer(input.checkpointer()));
                } catch (CountStore.Fenced e) {
                    fence(e);
                } catch (RetryAbortedException e) {
                    LOG.warn("stopping before the last counts were flushed; the next owner counts them");
                }
            }
        }
    }

    /** At a shard's end: its last counts flushed and its count watermark final. False if that could not be done. */
    private boolean finishCounts() {
        if (fenced) {
            return false;
        }
        try {
            settlement.finish(lastDone);
            return true;
        } catch (CountStore.Fenced e) {
            fence(e);
            return false;
        } catch (RetryAbortedException e) {
            LOG.warn("stopping at the shard's end before its counts were flushed; the next owner counts them");
            return false;
        }
    }

    /** The shard is no longer this worker's: it leaves health and its lag series leaves the metrics. */
    private void release() {
        if (shardId != null) {
            services.shards().released(shardId);
            metrics.shardReleased(shardId);
        }
    }

    private CountSettlement.Checkpoint checkpointer(RecordProcessorCheckpointer checkpointer) {
        return record -> checkpoint(checkpointer, record);
    }

    /** Checkpoints at {@code record}, or at the shard's end when null; retries while the lease table is unavailable. */
    private void checkpoint(RecordProcessorCheckpointer checkpointer, KinesisClientRecord record) {
        try {
            services.retrier().call("checkpoint", () -> {
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
}
