package io.logstream.consumer.core;

import io.logstream.model.Counts;

import java.util.Map;

/**
 * Where a shard's counts are kept (docs/counts.md). Every call is retried in place by the adapter; an owner that has
 * been replaced gets {@link Fenced}.
 */
public interface CountStore {
    /**
     * A count item: a service's level item (its {@code end} the last minute end of its block of
     * {@value Counts#BLOCK_MINUTES} minutes), or its host item of one minute (ending at {@code end}).
     */
    record Key(String service, long end, boolean hosts) {
    }

    /**
     * What a new owner learns when it takes a shard's counting over: its epoch, and the highest position at which any
     * earlier owner began a flush (null when none did). Records after that position cannot be in any count item yet.
     */
    record Ownership(long epoch, byte[] lastBegun) {
    }

    /** Takes the shard's counting over: earlier owners' later writes are refused from now on. */
    Ownership takeOver(String shardId);

    /** The position of the last flush that added to the item (null if none), fencing earlier owners out of it. */
    byte[] claim(String shardId, long epoch, Key key);

    /**
     * Adds the tallies to their items, each up to {@code position}: first the position is recorded as begun (unless a
     * higher one is), then every
     * item is added to unless it already holds that position (a retried flush). Items are keyed by {@link Key}; a host
     * item's tallies by host, a level item's under {@code null}.
     */
    void flush(String shardId, long epoch, byte[] position, Map<Key, Map<String, Counts.Tally>> tallies);

    /** Another owner took the shard over: this one must not count or checkpoint any more. */
    final class Fenced extends RuntimeException {
        public Fenced(String message) {
            super(message);
        }
    }

    /** Counting switched off: nothing is kept. */
    CountStore NONE = new CountStore() {
        @Override
        public Ownership takeOver(String shardId) {
            return new Ownership(0, null);
        }

        @Override
        public byte[] claim(String shardId, long epoch, Key key) {
            return null;
        }

        @Override
        public void flush(String shardId, long epoch, byte[] position, Map<Key, Map<String, Counts.Tally>> tallies) {
        }
    };
}
