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

    private final String stream;
    private final WorkerId workerId;
    private final BatchPipeline pipeline;
    private final Retrier retrier;
    private final PipelineMetrics metrics;
    private final ShardRegistry shards;
    private final CompletenessLedger ledger;
    private final Duration visibilityMargin;
    private final CountStore countStore;
    private final boolean counting;
    private final long flushIntervalNanos;
    private final TipCheck tipCheck;
    private final FetchStarts fetchStarts;
    /** When the shard's last batch was received (polling): the call behind the next one started after it. */
    private Instant lastReceived;
    private final long tipCheckIntervalNanos;
    private long tipCheckedAt;
    private String startedFrom;
    private Instant startedAt;
    private String shardId;
    private ShardCounts counts;
    private KinesisClientRecord lastDone;
    /** The last record done but not yet checkpointed (its counts, if any, not yet flushed). */
    private KinesisClientRecord unsettled;
    private long settledAt = System.nanoTime();
    private boolean fenced;
    private List<String> childShards = List.of();

    public LogRecordProcessor(String stream, WorkerId workerId, BatchPipeline pipeline, Retrier retrier, PipelineMetrics metrics,
                              ShardRegistry shards, CompletenessLedger ledger, Duration visibilityMargin) {
        this(stream, workerId, pipeline, retrier, metrics, shards, ledger, visibilityMargin, CountStore.NONE, false,
                Duration.ZERO);
    }

    /**
     * @param counting      whether to count the stored records into {@code countStore}
     * @param flushInterval how often the counts are flushed and the shard checkpointed (every batch when not counting)
     */
    public LogRecordProcessor(String stream, WorkerId workerId, BatchPipeline pipeline, Retrier retrier, PipelineMetrics metrics,
                              ShardRegistry shards, CompletenessLedger ledger, Duration visibilityMargin,
                              CountStore countStore, boolean counting, Duration flushInterval) {
        this(stream, workerId, pipeline, retrier, metrics, shards, ledger, visibilityMargin, countStore, counting,
                flushInterval, TipCheck.NONE, Duration.ZERO, FetchStarts.RECEIVED);
    }

    /**
     * @param tipCheck         with enhanced fan-out, how an idle shard's emptiness is confirmed ({@link TipCheck#NONE}
     *                         when polling)
     * @param tipCheckInterval at most one check per interval
     * @param fetchStarts      when polling, when the call behind an empty batch was made
     */
    public LogRecordProcessor(String stream, WorkerId workerId, BatchPipeline pipeline, Retrier retrier, PipelineMetrics metrics,
                              ShardRegistry shards, CompletenessLedger ledger, Duration visibilityMargin,
                              CountStore countStore, boolean counting, Duration flushInterval, TipCheck tipCheck,
                              Duration tipCheckInterval, FetchStarts fetchStarts) {
        this.fetchStarts = fetchStarts;
        this.tipCheck = tipCheck;
        this.tipCheckIntervalNanos = tipCheckInterval.toNanos();
        this.tipCheckedAt = System.nanoTime() - tipCheckIntervalNanos;
        this.countStore = countStore;
        this.counting = counting;
        this.flushIntervalNanos = counting ? flushInterval.toNanos() : 0;
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
        startedAt = Instant.now();
        startedFrom = input.extendedSequenceNumber() != null ? input.extendedSequenceNumber().sequenceNumber() : null;
        try (LogContext.Scope ignored = workerId.inMdc(shardId)) {
            shards.acquired(shardId);
            ledger.opened(shardId);
            if (counting) {
                counts = new ShardCounts(shardId, countStore);
                counts.start();
            }
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
        if (fenced) {
            return; // another worker counts this shard now; KCL hands the lease over
        }
        if (input.millisBehindLatest() != null) {
            metrics.lag(shardId, input.millisBehindLatest());
        }
        if (input.childShards() != null && !input.childShards().isEmpty()) {
            childShards = input.childShards().stream().map(ChildShard::shardId).toList();
        }
        Instant received = input.cacheEntryTime() != null ? input.cacheEntryTime() : Instant.now();
        Instant previous = lastReceived;
        lastReceived = received;
        List<KinesisClientRecord> records = input.records();
        try {
            if (records.isEmpty()) {
                Optional<Instant> until = completeUntil(input, null, previous, received);
                until.ifPresent(at -> ledger.advanced(shardId, at));
                if (counting && unsettled == null) {
                    until.ifPresent(at -> ledger.counted(shardId, at)); // nothing uncounted: the counts are as complete
                }
                settleIfDue(input.checkpointer());
                return;
            }
            long started = System.nanoTime();
            List<IncomingRecord> batch = new ArrayList<>(records.size());
            for (KinesisClientRecord record : records) {
                batch.add(new IncomingRecord(bytes(record.data()), new RecordCoordinates(stream, shardId,
                        record.sequenceNumber(), record.subSequenceNumber(), arrival(record))));
            }
            List<PendingItem> stored = processInPlace(batch);
            if (counts != null) {
                for (PendingItem item : stored) {
                    counts.add(item.record(), item.source().coordinates());
                }
            }
            KinesisClientRecord last = records.get(records.size() - 1);
            lastDone = last;
            unsettled = last;
            // stored is stored: the watermark does not wait for the counts or the checkpoint
            completeUntil(input, last, previous, received).ifPresent(until -> ledger.advanced(shardId, until));
            settleIfDue(input.checkpointer());
            metrics.batchTook(Duration.ofNanos(System.nanoTime() - started));
        } catch (RetryAbortedException e) {
            LOG.warn("stopping with {} records unfinished or not checkpointed ({})", records.size(), e.getMessage());
        } catch (CountStore.Fenced e) {
            fence(e);
        }
    }

    /** Flushes the counts and checkpoints once per flush interval (every batch when not counting). */
    private void settleIfDue(RecordProcessorCheckpointer checkpointer) {
        if (unsettled != null && System.nanoTime() - settledAt >= flushIntervalNanos) {
            settle(checkpointer);
        }
    }

    /** The counts, then the checkpoint, then the count watermark: in that order, so none overstates. */
    private void settle(RecordProcessorCheckpointer checkpointer) {
        if (unsettled == null) {
            return;
        }
        KinesisClientRecord record = unsettled;
        if (counts != null) {
            counts.flush();
        }
        checkpoint(checkpointer, record);
        if (counting) {
            ledger.counted(shardId, arrival(record).minus(visibilityMargin));
        }
        unsettled = null;
        settledAt = System.nanoTime();
    }

    /** A later owner took the shard's counts over: this one stops, leaving the rest to it. */
    private void fence(CountStore.Fenced e) {
        fenced = true;
        if (counts != null) {
            counts.drop();
        }
        unsettled = null;
        LOG.warn("stopping: {}; the new owner counts from the last checkpoint", e.getMessage());
    }

    /**
     * The arrival time up to which the shard is done once this batch is:
     * <ul>
     *   <li>a batch with records: the last record's arrival less the visibility margin (arrival times follow sequence
     *   numbers only approximately);</li>
     *   <li>an empty batch at the tip of an open shard ({@code millisBehindLatest} 0, no child shards): the time its
     *   GetRecords call was made ({@link FetchStarts}, never later than Kinesis's answer) less the visibility margin;
     *   nothing for the shard's first batch, whose call's start is unknown. KCL is told to deliver empty batches, so an
     *   idle shard's watermark keeps moving;</li>
     *   <li>with fan-out, an empty event at the tip: nothing by itself, since a pushed event may have waited in the
     *   connection's buffers behind slow work and its emptiness be old news. At most once per check interval, Kinesis
     *   is asked whether the shard has anything after the last record done ({@link TipCheck}); if not, the time it
     *   was asked less the margin;</li>
     *   <li>anything else, in particular an empty answer from a shard that has ended: nothing new. Once a shard is
     *   split or merged, new records go to its children, so its own emptiness says nothing about them.</li>
     * </ul>
     * The ledger keeps the highest value per shard, so a lower one changes nothing.
     */
    private Optional<Instant> completeUntil(ProcessRecordsInput input, KinesisClientRecord last, Instant previous,
                                            Instant received) {
        if (last != null) {
            return Optional.of(arrival(last).minus(visibilityMargin));
        }
        boolean ended = input.isAtShardEnd() || (input.childShards() != null && !input.childShards().isEmpty());
        if (ended || input.millisBehindLatest() == null || input.millisBehindLatest() != 0) {
            return Optional.empty();
        }
        if (tipCheck != TipCheck.NONE) {
            if (System.nanoTime() - tipCheckedAt < tipCheckIntervalNanos) {
                return Optional.empty();
            }
            tipCheckedAt = System.nanoTime();
            return tipCheck.emptyAfter(shardId, lastDone != null ? lastDone.sequenceNumber() : startedFrom, startedAt)
                    .map(answered -> answered.minus(visibilityMargin));
        }
        return fetchStarts.madeBy(previous, received).map(made -> made.minus(visibilityMargin));
    }

    /** Unexpected failures are retried too: skipping the batch would lose it. One record's defect never gets here. */
    private List<PendingItem> processInPlace(List<IncomingRecord> batch) {
        List<List<PendingItem>> stored = new ArrayList<>(1);
        // thrown out of processRecords, a failure would make KCL log it and move on: the batch would be lost
        retrier.call("pipeline", () -> {
            stored.clear();
            stored.add(pipeline.process(batch));
        }, failure -> {
            LOG.error("batch failed unexpectedly, retrying it", failure);
            return true;
        });
        return stored.get(0);
    }

    @Override
    public void leaseLost(LeaseLostInput input) {
        try (LogContext.Scope ignored = workerId.inMdc(shardId)) {
            release();
            if (counts != null) {
                counts.drop();
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
            try (LogContext.Scope ignored = workerId.inMdc(null)) {
                LOG.info("a shard ended before this processor started (its previous owner finished it); checkpointing");
                checkpoint(input.checkpointer(), null);
            }
            return;
        }
        try (LogContext.Scope ignored = workerId.inMdc(shardId)) {
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
        try (LogContext.Scope ignored = workerId.inMdc(shardId)) {
            release();
            if (fenced) {
                return;
            }
            if (unsettled == null && lastDone != null) {
                LOG.info("shutdown requested, checkpointing at {}", lastDone.sequenceNumber());
                checkpoint(input.checkpointer(), lastDone);
            } else if (unsettled != null) {
                LOG.info("shutdown requested, flushing the counts and checkpointing at {}", unsettled.sequenceNumber());
                try {
                    settle(input.checkpointer());
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
            if (counts != null) {
                counts.flush();
            }
            if (counting && lastDone != null) {
                ledger.counted(shardId, arrival(lastDone).minus(visibilityMargin));
            }
            unsettled = null;
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
