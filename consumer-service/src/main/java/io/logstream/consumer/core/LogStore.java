package io.logstream.consumer.core;

import java.util.List;

/** Writes items, retrying until they are stored. */
public interface LogStore {
    /** A record DynamoDB refused as invalid; it goes to the dead-letter sink. */
    record Rejected(PendingItem item, String error) {
    }

    /**
     * Stores every item, retrying transient failures in place until done. Returns only the items DynamoDB refused
     * for themselves (validation errors), which retrying cannot fix.
     */
    List<Rejected> write(List<PendingItem> items);
}
