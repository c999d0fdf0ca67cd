package io.logstream.consumer.retry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Retry in place: a loop for one operation on one dependency. Each failure waits per {@link Backoff} and is recorded
 * in {@link DependencyHealth}; success clears it. When the application aborts (stops while a dependency is still down)
 * every waiting loop throws {@link RetryAbortedException} instead of waiting again.
 */
public final class Retrier {
    private static final Logger LOG = LoggerFactory.getLogger(Retrier.class);

    private final Backoff backoff;
    private final Sleeper sleeper;
    private final DependencyHealth health;
    private final Consumer<String> onRetry;
    private volatile boolean aborted;

    /**
     * @param onRetry told the dependency's name on every retry (metrics)
     */
    public Retrier(Backoff backoff, Sleeper sleeper, DependencyHealth health, Consumer<String> onRetry) {
        this.backoff = backoff;
        this.sleeper = sleeper;
        this.health = health;
        this.onRetry = onRetry;
    }

    public Loop loop(String dependency) {
        return new Loop(dependency);
    }

    /** Makes every current and future wait throw {@link RetryAbortedException}. */
    public void abort() {
        aborted = true;
    }

    public boolean aborted() {
        return aborted;
    }

    public final class Loop {
        private final String dependency;
        private int attempts;

        private Loop(String dependency) {
            this.dependency = dependency;
        }

        /** Attempts that failed so far. */
        public int failures() {
            return attempts;
        }

        /** The call failed: record it and wait before the next attempt. */
        public void failed(Exception error) {
            health.failed(dependency, error);
            if (attempts == 0 || attempts % 10 == 0) {
                LOG.warn("{} failed (attempt {}), retrying: {}", dependency, attempts + 1, error.toString());
            }
            pause();
        }

        /** Part of the call was not done (unprocessed items, failed entries): wait, then resend that part. */
        public void partlyDone() {
            pause();
        }

        public void succeeded() {
            health.recovered(dependency);
        }

        private void pause() {
            onRetry.accept(dependency);
            Duration delay = backoff.delay(attempts++);
            if (aborted) {
                throw new RetryAbortedException(dependency);
            }
            try {
                sleeper.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RetryAbortedException(dependency);
            }
            if (aborted) {
                throw new RetryAbortedException(dependency);
            }
        }
    }
}
