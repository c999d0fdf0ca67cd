package io.logstream.consumer.ingest;

import io.logstream.consumer.core.CompletenessLedger;
import io.logstream.consumer.core.CountStore;
import io.logstream.consumer.core.PendingItem;
import io.logstream.consumer.core.ShardCounts;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * When a shard's work is settled: its counts flushed, then its checkpoint written, then its count watermark moved, in
 * that order, so none overstates ({@link ShardCounts}). With counts on, that happens once per flush interval and never
 * for a batch whose counts are only in memory; with counts off, after every batch.
 */
final class CountSettlement {
    /**
     * How every shard settles.
     *
     * @param counting      whether to count the stored records into {@code store}
     * @param flushInterval how often the counts are flushed and the shard checkpointed (every batch when not counting)
     */
    record Policy(CountStore store, boolean counting, Duration flushInterval) {
        static final Policy OFF = new Policy(CountStore.NONE, false, Duration.ZERO);

        CountSettlement open(String shardId, CompletenessLedger ledger, Function<KinesisClientRecord, Instant> vouchedBy) {
            ShardCounts counts = counting ? new ShardCounts(shardId, store) : null;
            if (counts != null) {
                counts.start();
            }
            return new CountSettlement(shardId, counts, counting ? flushInterval.toNanos() : 0, ledger, vouchedBy,
                    System::nanoTime);
        }
    }

    /** Writes the checkpoint at a record (the processor's, with its retries). */
    interface Checkpoint {
        void at(KinesisClientRecord record);
    }

    private final String shardId;
    private final ShardCounts counts;
    private final long flushIntervalNanos;
    private final CompletenessLedger ledger;
    private final Function<KinesisClientRecord, Instant> vouchedBy;
    private final LongSupplier nanoTime;
    /** The last record done but not yet checkpointed (its counts, if any, not yet flushed). */
    private KinesisClientRecord unsettled;
    private long settledAt;

    CountSettlement(String shardId, ShardCounts counts, long flushIntervalNanos, CompletenessLedger ledger,
                    Function<KinesisClientRecord, Instant> vouchedBy, LongSupplier nanoTime) {
        this.shardId = shardId;
        this.counts = counts;
        this.flushIntervalNanos = flushIntervalNanos;
        this.ledger = ledger;
        this.vouchedBy = vouchedBy;
        this.nanoTime = nanoTime;
        this.settledAt = nanoTime.getAsLong();
    }

    /** A batch is stored: its records counted in memory, its last record waiting to be settled. */
    void stored(List<PendingItem> items, KinesisClientRecord last) {
        if (counts != null) {
            for (PendingItem item : items) {
                counts.add(item.record(), item.source().coordinates());
            }
        }
        unsettled = last;
    }

    /** An empty batch vouched for {@code until}: with nothing uncounted, the counts are as complete. */
    void idle(Optional<Instant> until) {
        if (counts != null && unsettled == null) {
            until.ifPresent(at -> ledger.counted(shardId, at));
        }
    }

    KinesisClientRecord unsettled() {
        return unsettled;
    }

    /** Settles once per flush interval (every batch when not counting). */
    void settleIfDue(Checkpoint checkpoint) {
        if (unsettled != null && nanoTime.getAsLong() - settledAt >= flushIntervalNanos) {
            settle(checkpoint);
        }
    }

    /** The counts, then the checkpoint, then the count watermark. */
    void settle(Checkpoint checkpoint) {
        if (unsettled == null) {
            return;
        }
        KinesisClientRecord record = unsettled;
        if (counts != null) {
            counts.flush();
        }
        checkpoint.at(record);
        if (counts != null) {
            ledger.counted(shardId, vouchedBy.apply(record));
        }
        unsettled = null;
        settledAt = nanoTime.getAsLong();
    }

    /** At a shard's end: the last counts flushed and the count watermark final at {@code lastDone}. */
    void finish(KinesisClientRecord lastDone) {
        if (counts != null) {
            counts.flush();
            if (lastDone != null) {
                ledger.counted(shardId, vouchedBy.apply(lastDone));
            }
        }
        unsettled = null;
    }

    /** The shard is no longer this worker's to count: what is in memory is left to the next owner. */
    void drop() {
        if (counts != null) {
            counts.drop();
        }
        unsettled = null;
    }
}
