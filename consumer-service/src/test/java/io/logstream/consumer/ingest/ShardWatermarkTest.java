package io.logstream.consumer.ingest;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.ChildShard;
import software.amazon.kinesis.lifecycle.events.ProcessRecordsInput;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** What a batch vouches for: records by their arrival, empty batches only at an open shard's tip. */
class ShardWatermarkTest {
    private static final Duration MARGIN = Duration.ofSeconds(1);
    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final List<String> checks = new ArrayList<>();

    private ShardWatermark polling(FetchStarts fetchStarts) {
        return new ShardWatermark(new ShardWatermark.Policy(MARGIN, TipCheck.NONE, Duration.ZERO, fetchStarts),
                "shard-0", "TRIM_HORIZON", T, nanos::get);
    }

    private ShardWatermark fanOut(Optional<Instant> answer) {
        TipCheck check = (shard, after, startedAt) -> {
            checks.add(shard + " after " + after);
            return answer;
        };
        return new ShardWatermark(new ShardWatermark.Policy(MARGIN, check, Duration.ofSeconds(1), FetchStarts.RECEIVED),
                "shard-0", "TRIM_HORIZON", T, nanos::get);
    }

    private static ProcessRecordsInput empty(Long behind, Instant received) {
        return ProcessRecordsInput.builder().records(List.of()).millisBehindLatest(behind).cacheEntryTime(received)
                .build();
    }

    private static KinesisClientRecord record(String sequence, Instant arrival) {
        return KinesisClientRecord.builder().sequenceNumber(sequence).approximateArrivalTimestamp(arrival).build();
    }

    @Test
    void aBatchWithRecordsVouchesForItsLastArrivalLessTheMargin() {
        ShardWatermark watermark = polling(FetchStarts.RECEIVED);
        ProcessRecordsInput batch = ProcessRecordsInput.builder().records(List.of()).millisBehindLatest(5_000L).build();
        watermark.received(batch);
        assertThat(watermark.completeUntil(batch, record("7", T.plusSeconds(30)), null))
                .contains(T.plusSeconds(29));
    }

    @Test
    void anEmptyBatchVouchesOnlyAtTheTipOfAnOpenShard() {
        ShardWatermark watermark = polling(FetchStarts.RECEIVED);
        ProcessRecordsInput behind = empty(2_000L, T.plusSeconds(5));
        watermark.received(behind);
        assertThat(watermark.completeUntil(behind, null, null)).as("behind the tip").isEmpty();

        ProcessRecordsInput unknown = empty(null, T.plusSeconds(6));
        watermark.received(unknown);
        assertThat(watermark.completeUntil(unknown, null, null)).as("no lag known").isEmpty();

        ProcessRecordsInput ended = ProcessRecordsInput.builder().records(List.of()).millisBehindLatest(0L)
                .cacheEntryTime(T.plusSeconds(7)).childShards(List.of(ChildShard.builder().shardId("shard-1").build()))
                .build();
        watermark.received(ended);
        assertThat(watermark.completeUntil(ended, null, null)).as("a shard that has children").isEmpty();

        ProcessRecordsInput tip = empty(0L, T.plusSeconds(8));
        watermark.received(tip);
        assertThat(watermark.completeUntil(tip, null, null)).contains(T.plusSeconds(7));
    }

    @Test
    void pollingAsksWhenTheCallBehindTheBatchWasMadeBetweenThePreviousReceiptAndThisOne() {
        List<String> asked = new ArrayList<>();
        ShardWatermark watermark = polling((previous, received) -> {
            asked.add(previous + " " + received);
            return previous == null ? Optional.empty() : Optional.of(previous.plusMillis(250));
        });
        ProcessRecordsInput first = empty(0L, T);
        watermark.received(first);
        assertThat(watermark.completeUntil(first, null, null)).isEmpty();
        ProcessRecordsInput second = empty(0L, T.plusSeconds(3));
        watermark.received(second);
        assertThat(watermark.completeUntil(second, null, null)).contains(T.plusMillis(250).minus(MARGIN));
        assertThat(asked).containsExactly("null " + T, T + " " + T.plusSeconds(3));
    }

    @Test
    void fanOutChecksTheTipAtMostOncePerIntervalFromTheLastRecordDone() {
        ShardWatermark watermark = fanOut(Optional.of(T.plusSeconds(10)));
        ProcessRecordsInput tip = empty(0L, T.plusSeconds(20));
        watermark.received(tip);
        assertThat(watermark.completeUntil(tip, null, null)).contains(T.plusSeconds(9));
        nanos.addAndGet(500_000_000L);
        assertThat(watermark.completeUntil(tip, null, record("42", T))).as("within the interval").isEmpty();
        nanos.addAndGet(500_000_000L);
        assertThat(watermark.completeUntil(tip, null, record("42", T))).contains(T.plusSeconds(9));
        assertThat(checks).containsExactly("shard-0 after TRIM_HORIZON", "shard-0 after 42");
    }

    @Test
    void fanOutVouchesForNothingWhenKinesisHasARecordAfterIt() {
        ShardWatermark watermark = fanOut(Optional.empty());
        ProcessRecordsInput tip = empty(0L, T.plusSeconds(20));
        watermark.received(tip);
        assertThat(watermark.completeUntil(tip, null, null)).isEmpty();
        assertThat(checks).hasSize(1);
    }
}
