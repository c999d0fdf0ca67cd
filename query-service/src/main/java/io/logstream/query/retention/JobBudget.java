package io.logstream.query.retention;

import io.logstream.query.config.DeleteSettings;

import java.util.concurrent.TimeUnit;

/**
 * The capacity units a second a job may spend ({@code log-stream.deletes.write-units-per-second} for its writes,
 * {@code read-units-per-second} for its reads): after each call, the job waits until what it has spent fits the
 * budget, so {@code units} units take units / budget seconds.
 */
final class JobBudget {
    /** The job's thread was interrupted while it waited (the replica stops). */
    static final class Interrupted extends RuntimeException {
        Interrupted(InterruptedException cause) {
            super("interrupted", cause);
        }
    }

    private final Rate writes;
    private final Rate reads;

    JobBudget(DeleteSettings settings) {
        this.writes = new Rate(settings.writeUnitsPerSecond());
        this.reads = new Rate(settings.readUnitsPerSecond());
    }

    /** Waits as long as {@code units} write units take at the budget. */
    void wrote(double units) {
        writes.spent(units);
    }

    /** Waits as long as {@code units} read units take at the budget. */
    void read(double units) {
        reads.spent(units);
    }

    private static final class Rate {
        private final int unitsPerSecond;
        private long nextNanos = System.nanoTime();

        private Rate(int unitsPerSecond) {
            this.unitsPerSecond = unitsPerSecond;
        }

        /** Waits as long as {@code spent} units take at the budget, counted from the last call's turn. */
        private void spent(double spent) {
            long now = System.nanoTime();
            nextNanos = Math.max(nextNanos, now) + (long) (spent / unitsPerSecond * TimeUnit.SECONDS.toNanos(1));
            long wait = nextNanos - now;
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Interrupted(e);
                }
            }
        }
    }
}
