package io.logstream.consumer.ingest;

import jakarta.inject.Singleton;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/** The shards this worker is processing now, for health details. */
@Singleton
public class ShardRegistry {
    private final Set<String> owned = ConcurrentHashMap.newKeySet();

    void acquired(String shardId) {
        owned.add(shardId);
    }

    void released(String shardId) {
        owned.remove(shardId);
    }

    public Set<String> owned() {
        return new TreeSet<>(owned);
    }
}
