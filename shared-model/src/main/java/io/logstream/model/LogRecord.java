package io.logstream.model;

import java.util.Map;
import java.util.Objects;

/**
 * A validated log record, ready to become an item.
 *
 * @param attributes free-form JSON values (String, Boolean, BigDecimal/BigInteger, null, List, Map)
 * @param ingestedAt epoch millis at which the consumer stored the record, or null when not yet stored
 */
public record LogRecord(String service, LogLevel level, String message, long ts, String id,
                        String traceId, String host, Map<String, Object> attributes, Long ingestedAt) {
    public LogRecord {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(id, "id");
        attributes = attributes == null ? Map.of() : attributes;
    }

    public String sortKey() {
        return LogKeys.sortKey(ts, id);
    }

    public LogRecord withIngestedAt(long millis) {
        return new LogRecord(service, level, message, ts, id, traceId, host, attributes, millis);
    }
}
