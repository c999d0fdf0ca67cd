package io.logstream.consumer.retry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.core.exception.SdkException;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Retry in place, the one way every adapter calls a dependency: {@link #resend} runs attempts until one leaves nothing
 * to do. Each failure waits per {@link Backoff} and is recorded in {@link DependencyHealth}; success clears it. A part
 * left undone (unprocessed items, failed entries) is resent alone after the same backoff. When the application aborts
 * (stops while a dependency is still down) every waiting call throws {@link RetryAbortedException} instead of waiting
 * again.
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

    /** One attempt at {@code pending}: returns the part still to do (empty when all is done). */
    @FunctionalInterface
    public interface Attempt<T> {
        List<T> run(List<T> pending);
    }

    /**
     * Runs {@code attempt} on {@code work}, then on what each attempt leaves, until nothing is left. A failure that
     * {@code retryable} accepts is retried with the same pending part; any other propagates as it is (so a caller can
     * handle, say, a validation error its own way). With {@code maxAttempts} > 0 it gives up after that many attempts
     * and returns what is still left; 0 means until done.
     */
    public <T> List<T> resend(String dependency, List<T> work, Attempt<T> attempt, Predicate<Throwable> retryable,
                              int maxAttempts) {
        Loop loop = new Loop(dependency);
        List<T> pending = work;
        while (!pending.isEmpty()) {
            try {
                pending = attempt.run(pending);
                loop.succeeded();
                if (pending.isEmpty() || gaveUp(loop, maxAttempts)) {
                    return pending;
                }
                loop.partlyDone();
            } catch (RuntimeException | Error e) {
                if (e instanceof RetryAbortedException || !retryable.test(e)) {
                    throw e;
                }
                if (gaveUp(loop, maxAttempts)) {
                    return pending;
                }
                loop.failed(e instanceof RuntimeException exception ? exception : new IllegalStateException(e));
            }
        }
        return pending;
    }

    /** {@link #resend} of a single call, retried until it succeeds; a failure {@code retryable} refuses propagates. */
    public void call(String dependency, Runnable call, Predicate<Throwable> retryable) {
        resend(dependency, List.of(call), pending -> {
            call.run();
            return List.of();
        }, retryable, 0);
    }

    /** {@link #call} of an SDK call, every {@link SdkException} of which is retried. */
    public void callSdk(String dependency, Runnable call) {
        call(dependency, call, SdkException.class::isInstance);
    }

    private static boolean gaveUp(Loop loop, int maxAttempts) {
        return maxAttempts > 0 && loop.failures() + 1 >= maxAttempts;
    }

    Loop loop(String dependency) {
        return new Loop(dependency);
    }

    /** Makes every current and future wait throw {@link RetryAbortedException}. */
    public void abort() {
        aborted = true;
    }

    /** The state of one {@link #resend}: attempts so far, and the waits between them. */
    final class Loop {
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
