package io.logstream.query.retention;

import java.util.concurrent.TimeUnit;

/**
 * The capacity units a second a job may spend ({@code log-stream.deletes.write-units-per-second}, and
 * {@code read-units-per-second} for its reads): after each call, the job waits until what it has spent fits the
 * budget, so {@code units} units take units / budget seconds.
 */
final class WriteBudget {
    private final int unitsPerSecond;
    private long nextWriteNanos = System.nanoTime();

    WriteBudget(int unitsPerSecond) {
        this.unitsPerSecond = unitsPerSecond;
    }

    /** Waits as long as {@code spent} units take at the budget, counted from the last write's turn. */
    void spent(double spent) throws InterruptedException {
        long now = System.nanoTime();
        nextWriteNanos = Math.max(nextWriteNanos, now) + (long) (spent / unitsPerSecond * TimeUnit.SECONDS.toNanos(1));
        long wait = nextWriteNanos - now;
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
