package io.logstream.consumer.core;

import io.logstream.model.Counts;
import io.logstream.model.LogRecord;
import io.logstream.model.RecordCoordinates;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One shard's counts between two flushes, exact under replay (docs/counts.md). The processor adds each batch's stored
 * records, flushes when {@link #due}, and only then checkpoints, so the checkpoint never passes an uncounted record.
 * <ul>
 *   <li>A new owner replays from the last checkpoint. Records after the last flush any owner began cannot be counted
 *   yet; for those at or before it, each item is claimed and a record is added only if it is past the item's own
 *   position.</li>
 *   <li>A record stored twice in one flush interval or the next (a producer's resent record: same service, time and
 *   id, on the same shard) is counted once, as it is stored once.</li>
 * </ul>
 */
public final class ShardCounts {
    private final String shardId;
    private final CountStore store;
    private long epoch;
    private byte[] lastBegun;
    private final Map<CountStore.Key, byte[]> claimed = new HashMap<>();
    private Map<CountStore.Key, Map<String, Counts.Tally>> pending = new HashMap<>();
    private Set<String> seen = new HashSet<>();
    /** The keys of the flush interval before, so that a resent record just across a flush is still recognised. */
    private Set<String> seenBefore = new HashSet<>();
    private byte[] position;

    public ShardCounts(String shardId, CountStore store) {
        this.shardId = shardId;
        this.store = store;
    }

    /** Takes the shard's counting over; call before the first {@link #add}. */
    public void start() {
        CountStore.Ownership ownership = store.takeOver(shardId);
        epoch = ownership.epoch();
        lastBegun = ownership.lastBegun();
    }

    /** A record that is stored, at its place in the shard. */
    public void add(LogRecord record, RecordCoordinates at) {
        byte[] here = Counts.position(at.sequenceNumber(), at.subSequenceNumber());
        position = here;
        String key = record.service() + '\u0000' + record.sortKey();
        if (seenBefore.contains(key) || !seen.add(key)) {
            return;
        }
        long minuteEnd = Counts.minuteEnd(record.ts());
        long bytes = Counts.lineBytes(record);
        boolean replayed = lastBegun != null && Counts.compare(here, lastBegun) <= 0;
        if (!replayed && lastBegun != null) {
            lastBegun = null; // past every earlier owner's flushes: no item can hold this record or any later one
            claimed.clear();
        }
        add(new CountStore.Key(record.service(), Counts.blockEnd(minuteEnd), false),
                Integer.toString(Counts.minuteOfBlock(minuteEnd)), record, bytes, here, replayed);
        if (record.host() != null && !record.host().isEmpty()) {
            add(new CountStore.Key(record.service(), minuteEnd, true), record.host(), record, bytes, here, replayed);
        }
    }

    /** Adds the record to the item's column: a minute of a level item's block, or a host of a host item. */
    private void add(CountStore.Key key, String column, LogRecord record, long bytes, byte[] here, boolean replayed) {
        if (replayed) {
            byte[] held = claimed.computeIfAbsent(key, k -> orEmpty(store.claim(shardId, epoch, k)));
            if (held.length > 0 && Counts.compare(here, held) <= 0) {
                return; // counted by an earlier owner's flush
            }
        }
        pending.computeIfAbsent(key, k -> new HashMap<>()).computeIfAbsent(column, c -> new Counts.Tally())
                .add(record.level(), 1, bytes);
    }

    private static byte[] orEmpty(byte[] position) {
        return position == null ? new byte[0] : position;
    }

    /** True when records were added since the last flush. */
    public boolean hasPending() {
        return position != null;
    }

    /** Writes what was added since the last flush, up to the last record added. */
    public void flush() {
        if (position == null) {
            seenBefore = seen;
            seen = new HashSet<>();
            return;
        }
        if (!pending.isEmpty()) {
            store.flush(shardId, epoch, position, pending);
        }
        pending = new HashMap<>();
        seenBefore = seen;
        seen = new HashSet<>();
        position = null;
    }

    /** Forgets what was not flushed: the next owner counts it from the last checkpoint. */
    public void drop() {
        pending = new HashMap<>();
        seen = new HashSet<>();
        seenBefore = new HashSet<>();
        position = null;
    }
}
