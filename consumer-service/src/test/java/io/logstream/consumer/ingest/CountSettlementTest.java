package io.logstream.consumer.ingest;

import io.logstream.consumer.core.CompletenessLedger;
import org.junit.jupiter.api.Test;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Settling without counts: a checkpoint after every batch, no count watermark. (With counts, the flush-then-checkpoint
 * order is pinned against a count store in LogRecordProcessorTest and ShardCountsTest.)
 */
class CountSettlementTest {
    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");
    private final List<String> events = new ArrayList<>();
    private final AtomicLong nanos = new AtomicLong();
    private final CompletenessLedger ledger = new CompletenessLedger() {
        @Override
        public void opened(String shardId) {
        }

        @Override
        public void advanced(String shardId, Instant completeUntil) {
        }

        @Override
        public void counted(String shardId, Instant countedUntil) {
            events.add("counted " + countedUntil);
        }

        @Override
        public void ended(String shardId, List<String> childShardIds) {
        }
    };

    private CountSettlement settlement(long intervalNanos) {
        return new CountSettlement("shard-0", null, intervalNanos, ledger, r -> r.approximateArrivalTimestamp(),
                nanos::get);
    }

    private static KinesisClientRecord record(String sequence) {
        return KinesisClientRecord.builder().sequenceNumber(sequence).approximateArrivalTimestamp(T).build();
    }

    @Test
    void withoutCountsEveryStoredBatchIsCheckpointedAtOnceAndNothingIsCounted() {
        CountSettlement settlement = settlement(0);
        settlement.settleIfDue(r -> events.add("checkpoint " + r.sequenceNumber()));
        assertThat(events).as("nothing stored, nothing to settle").isEmpty();
        settlement.stored(List.of(), record("5"));
        assertThat(settlement.unsettled().sequenceNumber()).isEqualTo("5");
        settlement.settleIfDue(r -> events.add("checkpoint " + r.sequenceNumber()));
        settlement.idle(Optional.of(T));
        assertThat(events).containsExactly("checkpoint 5");
        assertThat(settlement.unsettled()).isNull();
    }

    @Test
    void aSettlementWaitsForItsIntervalAndAShutdownSettlesAtOnce() {
        CountSettlement settlement = settlement(Duration.ofSeconds(5).toNanos());
        settlement.stored(List.of(), record("6"));
        settlement.settleIfDue(r -> events.add("checkpoint " + r.sequenceNumber()));
        assertThat(events).isEmpty();
        nanos.addAndGet(Duration.ofSeconds(5).toNanos());
        settlement.settleIfDue(r -> events.add("checkpoint " + r.sequenceNumber()));
        assertThat(events).containsExactly("checkpoint 6");
        settlement.stored(List.of(), record("7"));
        settlement.settle(r -> events.add("checkpoint " + r.sequenceNumber()));
        assertThat(events).containsExactly("checkpoint 6", "checkpoint 7");
    }

    @Test
    void aDroppedSettlementLeavesNothingToCheckpoint() {
        CountSettlement settlement = settlement(0);
        settlement.stored(List.of(), record("8"));
        settlement.drop();
        settlement.settle(r -> events.add("checkpoint " + r.sequenceNumber()));
        assertThat(events).isEmpty();
    }
}
