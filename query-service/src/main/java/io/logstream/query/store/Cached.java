package io.logstream.query.store;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/** One value read at most once per TTL; concurrent readers of an expired value may each read it once. */
final class Cached<T> {
    private final Supplier<T> read;
    private final long ttlMillis;
    private final Clock clock;
    private volatile Entry<T> entry;

    private record Entry<T>(T value, long readAt) {
    }

    Cached(Supplier<T> read, Duration ttl, Clock clock) {
        this.read = read;
        this.ttlMillis = ttl.toMillis();
        this.clock = clock;
    }

    T get() {
        Entry<T> current = entry;
        long now = clock.millis();
        if (current != null && now - current.readAt() < ttlMillis) {
            return current.value();
        }
        T value = read.get();
        entry = new Entry<>(value, now);
        return value;
    }
}
