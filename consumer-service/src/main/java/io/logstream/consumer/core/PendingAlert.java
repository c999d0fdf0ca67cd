package io.logstream.consumer.core;

import io.logstream.model.LogErrorEvent;

/** A LogError event to publish, and the record it is about (for the dead-letter sink if it cannot be delivered). */
public record PendingAlert(IncomingRecord source, LogErrorEvent event) {
}
