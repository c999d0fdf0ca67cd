package io.logstream.consumer.retry;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/** Exponential backoff with full jitter: attempt n waits a uniform random time in [0, min(max, base * 2^n)]. */
public final class Backoff {
    private final long baseMillis;
    private final long maxMillis;
    private final DoubleSupplier random;

    public Backoff(Duration base, Duration max, DoubleSupplier random) {
        if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("need 0 < base <= max, got " + base + " and " + max);
        }
        this.baseMillis = base.toMillis();
        this.maxMillis = max.toMillis();
        this.random = random;
    }

    /** The ceiling of the wait before retry number {@code attempt} (0-based). */
    public long ceilingMillis(int attempt) {
        int shift = Math.min(Math.max(attempt, 0), 30);
        long ceiling = baseMillis << shift;
        return ceiling <= 0 || ceiling > maxMillis ? maxMillis : ceiling;
    }

    public Duration delay(int attempt) {
        return Duration.ofMillis((long) (random.getAsDouble() * (ceilingMillis(attempt) + 1)));
    }
}
