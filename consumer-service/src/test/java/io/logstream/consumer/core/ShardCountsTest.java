package io.logstream.consumer.core;

import io.logstream.model.Counts;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.model.RecordCoordinates;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Exactness of {@link ShardCounts} under the failures a shard's counting meets: a crash before the checkpoint, a crash
 * halfway through a flush, a retried flush, an owner that goes on after it was replaced, a record sent twice. The store
 * is a plain fake with the conditions the DynamoDB adapter writes (its behaviour against a real engine is in
 * ReplayTest and the chaos run).
 */
class ShardCountsTest {
    private static final String SHARD = "shardId-000000000001";
    private final FakeCountStore store = new FakeCountStore();

    @Test
    void aCrashAfterAFlushButBeforeTheCheckpointDoesNotCountTheReplayAgain() {
        List<Entry> stream = stream(300, 1);
        ShardCounts first = started();
        feed(first, stream.subList(0, 100));
        first.flush(); // ... checkpoint at 100 ...
        feed(first, stream.subList(100, 200));
        first.flush(); // the worker dies before this checkpoint

        ShardCounts second = started(); // replays from the checkpoint at 100
        feed(second, stream.subList(100, 300));
        second.flush();
        assertThat(store.totals()).isEqualTo(expected(stream));
    }

    @Test
    void aCrashHalfwayThroughAFlushCountsEachItemOnce() {
        List<Entry> stream = stream(400, 2);
        ShardCounts first = started();
        feed(first, stream.subList(0, 150));
        first.flush();
        feed(first, stream.subList(150, 300));
        store.failAfter = 3; // some of this flush's items land, then the worker dies
        assertThatThrownBy(first::flush).isInstanceOf(IllegalStateException.class);
        store.failAfter = -1;

        ShardCounts second = started(); // from the checkpoint at 150
        feed(second, stream.subList(150, 400));
        second.flush();
        assertThat(store.totals()).isEqualTo(expected(stream));
    }

    @Test
    void aRetriedFlushAddsOnce() {
        List<Entry> stream = stream(100, 3);
        ShardCounts counts = started();
        feed(counts, stream);
        store.replayEachWrite = true; // every write lands twice, as a retry after a lost answer would
        counts.flush();
        assertThat(store.totals()).isEqualTo(expected(stream));
    }

    @Test
    void aReplacedOwnerIsFencedOutAndTheNewOneCountsEverything() {
        List<Entry> stream = stream(200, 4);
        ShardCounts old = started();
        feed(old, stream.subList(0, 50));
        old.flush();
        feed(old, stream.subList(50, 120)); // it stalls here (a long pause) and loses its lease

        ShardCounts replacement = started();
        feed(replacement, stream.subList(50, 200));
        replacement.flush();
        assertThatThrownBy(old::flush).isInstanceOf(CountStore.Fenced.class);
        assertThat(store.totals()).isEqualTo(expected(stream));
    }

    @Test
    void aRecordSentTwiceInOneFlushIntervalIsCountedOnce() {
        List<Entry> stream = new ArrayList<>(stream(20, 5));
        Entry resent = stream.get(7);
        stream.add(new Entry(resent.record(), coordinates(1_000)));
        ShardCounts counts = started();
        feed(counts, stream);
        counts.flush();
        assertThat(store.totals()).isEqualTo(expected(stream.subList(0, 20)));
    }

    @Test
    void aRecordResentJustAcrossAFlushIsCountedOnce() {
        List<Entry> stream = stream(20, 6);
        ShardCounts counts = started();
        feed(counts, stream);
        counts.flush();
        counts.add(stream.get(19).record(), coordinates(1_001));
        counts.flush();
        assertThat(store.totals()).isEqualTo(expected(stream));
    }

    @Test
    void randomCrashesAndReplaysNeverCountARecordTwiceNorMissOne() {
        Random random = new Random(42);
        for (int run = 0; run < 50; run++) {
            FakeCountStore runStore = new FakeCountStore();
            List<Entry> stream = stream(200 + random.nextInt(200), run);
            int checkpoint = 0;
            while (checkpoint < stream.size()) {
                ShardCounts owner = new ShardCounts(SHARD, runStore);
                owner.start();
                int at = checkpoint;
                boolean crashed = false;
                while (at < stream.size() && !crashed) {
                    int next = Math.min(stream.size(), at + 1 + random.nextInt(60));
                    feed(owner, stream.subList(at, next));
                    at = next;
                    if (random.nextInt(3) == 0) {
                        runStore.failAfter = random.nextInt(8);
                        try {
                            owner.flush();
                        } catch (IllegalStateException e) {
                            crashed = true;
                        }
                        runStore.failAfter = -1;
                        if (!crashed && random.nextBoolean()) {
                            checkpoint = at;
                        } else {
                            crashed = true; // died before the checkpoint
                        }
                    }
                }
                if (!crashed) {
                    owner.flush();
                    checkpoint = at;
                }
            }
            assertThat(runStore.totals()).as("run %d", run).isEqualTo(expected(stream));
        }
    }

    private record Entry(LogRecord record, RecordCoordinates at) {
    }

    private ShardCounts started() {
        ShardCounts counts = new ShardCounts(SHARD, store);
        counts.start();
        return counts;
    }

    private static void feed(ShardCounts counts, List<Entry> entries) {
        entries.forEach(e -> counts.add(e.record(), e.at()));
    }

    /** Records over three services, some with hosts, over a few minutes, in shard order. */
    private static List<Entry> stream(int size, long seed) {
        Random random = new Random(seed);
        List<Entry> entries = new ArrayList<>();
        LogLevel[] levels = LogLevel.values();
        for (int i = 0; i < size; i++) {
            LogRecord record = new LogRecord("svc-" + random.nextInt(3), levels[random.nextInt(levels.length)],
                    "m".repeat(1 + random.nextInt(30)), 1_700_000_000_000L + random.nextInt(300_000), "id-" + i,
                    null, random.nextBoolean() ? "host-" + random.nextInt(4) : null, Map.of(), null);
            entries.add(new Entry(record, coordinates(i)));
        }
        return entries;
    }

    private static RecordCoordinates coordinates(int i) {
        return new RecordCoordinates("s", SHARD, Long.toString(49_000_000_000L + i * 7L), 0, Instant.EPOCH);
    }

    private static Map<String, Counts.Tally> expected(List<Entry> entries) {
        Map<String, Counts.Tally> totals = new HashMap<>();
        for (Entry e : entries) {
            LogRecord r = e.record();
            String minute = "@" + Counts.minuteEnd(r.ts());
            totals.computeIfAbsent(r.service() + minute, k -> new Counts.Tally()).add(r.level(), 1, Counts.lineBytes(r));
            if (r.host() != null) {
                totals.computeIfAbsent(r.service() + "/" + r.host() + minute, k -> new Counts.Tally())
                        .add(r.level(), 1, Counts.lineBytes(r));
            }
        }
        return totals;
    }

    /** The adapter's conditions on plain maps: an owner epoch, the highest begun position, items with epoch and position. */
    static final class FakeCountStore implements CountStore {
        private long owner;
        private byte[] begun;
        private final Map<Key, Item> items = new HashMap<>();
        int failAfter = -1;
        boolean replayEachWrite;

        private static final class Item {
            long epoch;
            byte[] position;
            final Map<String, Counts.Tally> hosts = new HashMap<>();
        }

        @Override
        public Ownership takeOver(String shardId) {
            owner++;
            return new Ownership(owner, begun);
        }

        @Override
        public byte[] claim(String shardId, long epoch, Key key) {
            Item item = items.computeIfAbsent(key, k -> new Item());
            if (item.epoch > epoch) {
                throw new Fenced("later owner");
            }
            item.epoch = epoch;
            return item.position;
        }

        @Override
        public void flush(String shardId, long epoch, byte[] position, Map<Key, Map<String, Counts.Tally>> tallies) {
            if (owner != epoch) {
                throw new Fenced("later owner");
            }
            begun = begun == null || Counts.compare(position, begun) > 0 ? position : begun;
            int written = 0;
            for (Map.Entry<Key, Map<String, Counts.Tally>> e : tallies.entrySet()) {
                if (failAfter >= 0 && written++ >= failAfter) {
                    throw new IllegalStateException("the worker died");
                }
                for (int times = replayEachWrite ? 2 : 1; times > 0; times--) {
                    Item item = items.computeIfAbsent(e.getKey(), k -> new Item());
                    if (item.epoch > epoch) {
                        throw new Fenced("later owner");
                    }
                    if (item.position != null && Counts.compare(item.position, position) >= 0) {
                        continue;
                    }
                    item.epoch = epoch;
                    item.position = position;
                    e.getValue().forEach((host, tally) -> item.hosts.computeIfAbsent(host, h -> new Counts.Tally())
                            .add(tally));
                }
            }
        }

        Map<String, Counts.Tally> totals() {
            Map<String, Counts.Tally> totals = new HashMap<>();
            items.forEach((key, item) -> item.hosts.forEach((column, tally) -> {
                if (!tally.isEmpty()) {
                    // a level item's column is a minute of its block, a host item's its host
                    long minute = key.hosts() ? key.end()
                            : key.end() - (Counts.BLOCK_MINUTES - 1 - Integer.parseInt(column)) * Counts.MINUTE_MILLIS;
                    totals.computeIfAbsent(key.service() + (key.hosts() ? "/" + column : "") + "@" + minute,
                            k -> new Counts.Tally()).add(tally);
                }
            }));
            return totals;
        }
    }
}
