package io.logstream.consumer.retry;

/**
 * Thrown out of a retry loop when the application stops while a dependency is still failing. The batch is left
 * unfinished and uncheckpointed, so the next lease owner reads it again.
 */
public class RetryAbortedException extends RuntimeException {
    public RetryAbortedException(String dependency) {
        super("stopped while retrying " + dependency);
    }
}
