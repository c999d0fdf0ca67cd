package io.logstream.consumer.core;

import java.util.List;

/** Publishes LogError events. */
public interface AlertPublisher {
    /**
     * Publishes every alert, retrying failures. Returns the alerts given up on: none when EventBridge is required
     * (then it retries until they are delivered), otherwise those still failing after the retry budget.
     */
    List<PendingAlert> publish(List<PendingAlert> alerts);
}
