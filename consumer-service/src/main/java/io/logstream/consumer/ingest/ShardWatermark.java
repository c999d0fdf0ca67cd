package io.logstream.consumer.ingest;

import software.amazon.kinesis.lifecycle.events.ProcessRecordsInput;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * One shard's completeness watermark: the arrival time up to which the shard is done once a batch is. The ledger keeps
 * the highest value per shard, so a lower one changes nothing.
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
 */
final class ShardWatermark {
    /**
     * How every shard's watermark is found.
     *
     * @param tipCheck         with enhanced fan-out, how an idle shard's emptiness is confirmed ({@link TipCheck#NONE}
     *                         when polling)
     * @param tipCheckInterval at most one check per interval
     * @param fetchStarts      when polling, when the call behind an empty batch was made
     */
    record Policy(Duration visibilityMargin, TipCheck tipCheck, Duration tipCheckInterval, FetchStarts fetchStarts) {
        /** Polling on an engine that answers at once: the receive time is the call's time. */
        static Policy polling(Duration visibilityMargin) {
            return new Policy(visibilityMargin, TipCheck.NONE, Duration.ZERO, FetchStarts.RECEIVED);
        }

        ShardWatermark open(String shardId, String startedFrom, Instant startedAt) {
            return new ShardWatermark(this, shardId, startedFrom, startedAt, System::nanoTime);
        }
    }

    private final Policy policy;
    private final String shardId;
    private final String startedFrom;
    private final Instant startedAt;
    private final LongSupplier nanoTime;
    private final long tipCheckIntervalNanos;
    private long tipCheckedAt;
    /** When the shard's last batch was received (polling): the call behind the next one started after it. */
    private Instant lastReceived;
    private Instant previous;
    private Instant received;

    ShardWatermark(Policy policy, String shardId, String startedFrom, Instant startedAt, LongSupplier nanoTime) {
        this.policy = policy;
        this.shardId = shardId;
        this.startedFrom = startedFrom;
        this.startedAt = startedAt;
        this.nanoTime = nanoTime;
        this.tipCheckIntervalNanos = policy.tipCheckInterval().toNanos();
        this.tipCheckedAt = nanoTime.getAsLong() - tipCheckIntervalNanos;
    }

    /** Notes a batch's arrival, before it is processed; every batch delivered, in order. */
    void received(ProcessRecordsInput input) {
        received = input.cacheEntryTime() != null ? input.cacheEntryTime() : Instant.now();
        previous = lastReceived;
        lastReceived = received;
    }

    /** A record's arrival less the visibility margin: what its being done vouches for. */
    Instant vouchedBy(KinesisClientRecord record) {
        return arrival(record).minus(policy.visibilityMargin());
    }

    /**
     * What the batch last {@link #received} vouches for once it is done.
     *
     * @param last       the batch's last record, or null for an empty batch
     * @param lastDone   the last record done on this shard before, or null if none yet
     */
    Optional<Instant> completeUntil(ProcessRecordsInput input, KinesisClientRecord last, KinesisClientRecord lastDone) {
        if (last != null) {
            return Optional.of(vouchedBy(last));
        }
        boolean ended = input.isAtShardEnd() || (input.childShards() != null && !input.childShards().isEmpty());
        if (ended || input.millisBehindLatest() == null || input.millisBehindLatest() != 0) {
            return Optional.empty();
        }
        if (policy.tipCheck() != TipCheck.NONE) {
            if (nanoTime.getAsLong() - tipCheckedAt < tipCheckIntervalNanos) {
                return Optional.empty();
            }
            tipCheckedAt = nanoTime.getAsLong();
            return policy.tipCheck().emptyAfter(shardId, lastDone != null ? lastDone.sequenceNumber() : startedFrom,
                    startedAt).map(answered -> answered.minus(policy.visibilityMargin()));
        }
        return policy.fetchStarts().madeBy(previous, received).map(made -> made.minus(policy.visibilityMargin()));
    }

    static Instant arrival(KinesisClientRecord record) {
        return record.approximateArrivalTimestamp() != null ? record.approximateArrivalTimestamp() : Instant.now();
    }
}
