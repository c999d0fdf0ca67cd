package io.logstream.consumer.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Splits what one batch sends into calls within a service's limits of entries and bytes per call (EventBridge's
 * PutEvents: 10 and 256 KB; SQS's SendMessageBatch: 10 and 256 KB), keeping the order. An entry larger than the byte
 * limit goes alone into a call of its own, for the service to refuse.
 */
public final class CallSplitter {
    private CallSplitter() {
    }

    public static <T> List<List<T>> split(List<T> entries, int maxEntries, int maxBytes, ToIntFunction<T> size) {
        List<List<T>> calls = new ArrayList<>();
        List<T> current = new ArrayList<>();
        long currentBytes = 0;
        for (T entry : entries) {
            int bytes = size.applyAsInt(entry);
            if (!current.isEmpty() && (current.size() == maxEntries || currentBytes + bytes > maxBytes)) {
                calls.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(entry);
            currentBytes += bytes;
        }
        if (!current.isEmpty()) {
            calls.add(current);
        }
        return calls;
    }
}
