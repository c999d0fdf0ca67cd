package io.logstream.model;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BucketsTest {
    private static final long T = 1_723_050_000_000L;

    @Test
    void aServiceWithoutEpochsKeepsItsOwnKey() {
        assertThat(Buckets.bucketOf(Buckets.Table.SINGLE, T, "id-1", T)).isZero();
        assertThat(Buckets.partitionKey("checkout", 0)).isEqualTo("checkout");
        assertThat(Buckets.levelKey("checkout", LogLevel.ERROR, 0)).isEqualTo("checkout#ERROR");
        assertThat(Buckets.Table.SINGLE.bucketsFor(0, LogKeys.MAX_TS)).isEqualTo(1);
    }

    @Test
    void extraKeysAreNeverAServiceName() {
        for (int bucket = 1; bucket < Buckets.MAX_BUCKETS; bucket++) {
            String pk = Buckets.partitionKey("checkout", bucket);
            assertThat(LogKeys.isValidName(pk)).as(pk).isFalse();
            assertThat(Buckets.serviceOf(pk)).isEqualTo("checkout");
            assertThat(Buckets.levelKey("checkout", LogLevel.WARN, bucket)).isEqualTo("checkout#WARN#" + bucket);
        }
    }

    @Test
    void recordsSpreadEvenlyOverTheBucketsOfTheirEpoch() {
        Buckets.Table table = Buckets.Table.of(List.of(new Buckets.Epoch(T, 8)));
        Map<Integer, Integer> perBucket = new HashMap<>();
        for (int i = 0; i < 8_000; i++) {
            perBucket.merge(Buckets.bucketOf(table, T + i, "id-" + i, T + i), 1, Integer::sum);
        }
        assertThat(perBucket).hasSize(8);
        assertThat(perBucket.values()).allSatisfy(n -> assertThat(n).isBetween(850, 1150));
        assertThat(Buckets.bucketOf(table, T - 1, "id-x", T - 1)).as("before the epoch").isZero();
    }

    @Property
    void aLaterEpochNeverMovesARecordWrittenBeforeIt(@ForAll @LongRange(min = 0, max = 10_000_000) long offset,
                                                      @ForAll @IntRange(min = 1, max = 64) int before,
                                                      @ForAll @IntRange(min = 1, max = 64) int after,
                                                      @ForAll @LongRange(min = 0, max = 5_000) long lag) {
        long ts = T + offset;
        long arrival = ts + lag;
        Buckets.Table old = Buckets.Table.of(List.of(new Buckets.Epoch(T, before)));
        // the next epoch is decided no earlier than the record's arrival, so it starts after the record's time
        Buckets.Table grown = Buckets.Table.of(List.of(new Buckets.Epoch(T, before),
                new Buckets.Epoch(Buckets.epochStart(arrival), after)));
        int bucket = Buckets.bucketOf(old, ts, "id-" + offset, arrival);
        assertThat(Buckets.bucketOf(grown, ts, "id-" + offset, arrival)).isEqualTo(bucket);
        assertThat(bucket).isBetween(0, before - 1);
        assertThat(bucket).isLessThan(grown.bucketsFor(ts - 1, ts + 1));
    }

    @Test
    void aFutureDatedRecordStaysInBucketZero() {
        Buckets.Table table = Buckets.Table.of(List.of(new Buckets.Epoch(T, 8)));
        long arrival = T + 1_000;
        long farAhead = arrival + Buckets.FUTURE_SLACK_MILLIS + 1;
        for (int i = 0; i < 100; i++) {
            assertThat(Buckets.bucketOf(table, farAhead, "id-" + i, arrival)).isZero();
        }
    }

    @Test
    void aReadCoversEveryEpochItsWindowTouches() {
        Buckets.Table table = Buckets.Table.of(List.of(new Buckets.Epoch(T, 4), new Buckets.Epoch(T + 1_000, 16),
                new Buckets.Epoch(T + 2_000, 2)));
        assertThat(table.bucketsFor(0, T - 1)).isEqualTo(1);
        assertThat(table.bucketsFor(0, T)).isEqualTo(4);
        assertThat(table.bucketsFor(T + 500, T + 999)).isEqualTo(4);
        assertThat(table.bucketsFor(T + 1_500, T + 1_600)).isEqualTo(16);
        assertThat(table.bucketsFor(T + 2_000, LogKeys.MAX_TS)).isEqualTo(2);
        assertThat(table.bucketsFor(0, LogKeys.MAX_TS)).isEqualTo(16);
        assertThat(table.latest()).isEqualTo(2);
        assertThat(table.latestFrom()).isEqualTo(T + 2_000);
    }

    @Test
    void twoEpochsAtOneStartKeepTheLargerCount() {
        Buckets.Table table = Buckets.Table.of(List.of(new Buckets.Epoch(T, 8), new Buckets.Epoch(T, 4)));
        assertThat(table.epochs()).containsExactly(new Buckets.Epoch(T, 8));
    }

    @Test
    void epochKeysSplitBack() {
        String key = LedgerKeys.epochKey("a.b:c/d-e", T);
        assertThat(key).isEqualTo("a.b:c/d-e#" + T);
        assertThat(LedgerKeys.splitEpochKey(key)).isEqualTo(new LedgerKeys.EpochKey("a.b:c/d-e", T));
        assertThatThrownBy(() -> new Buckets.Epoch(T, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Buckets.Epoch(T, Buckets.MAX_BUCKETS + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anItemInABucketReadsBackAsItsService() {
        LogRecord record = new LogRecord("checkout", LogLevel.ERROR, "boom", T, "id-1", null, null, Map.of(), null);
        var item = LogItemMapper.toItem(record, null, 3);
        assertThat(item.get(LogKeys.PK).s()).isEqualTo("checkout#3");
        assertThat(item.get(LogItemMapper.LEVEL_KEY).s()).isEqualTo("checkout#ERROR#3");
        assertThat(LogItemMapper.fromItem(item)).isEqualTo(record);
    }
}
