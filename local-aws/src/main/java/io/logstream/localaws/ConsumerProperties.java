package io.logstream.localaws;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * consumer-service's configuration as tests and benchmarks start it, in one place: the property names of its settings
 * (config/*Settings in consumer-service; defaults in its application.yml) and the fast-KCL tuning every test uses.
 */
public final class ConsumerProperties {
    public static final String STREAM = "log-stream.stream";
    public static final String APPLICATION = "log-stream.kcl.application-name";
    public static final String INITIAL_POSITION = "log-stream.kcl.initial-position";
    public static final String TABLE = "log-stream.table";
    public static final String EVENT_BUS = "log-stream.alerts.event-bus";
    public static final String ALERTS_REQUIRED = "log-stream.alerts.required";
    public static final String ALERT_MAX_ATTEMPTS = "log-stream.alerts.max-attempts";
    public static final String DEAD_LETTER_QUEUE = "log-stream.dead-letter.queue-url";

    private ConsumerProperties() {
    }

    /** Where a consumer reads and writes, from the start of the stream. */
    public static Map<String, Object> wiring(String stream, String application, String table, String deadLetterQueue) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(STREAM, stream);
        properties.put(APPLICATION, application);
        properties.put(INITIAL_POSITION, "TRIM_HORIZON");
        properties.put(TABLE, table);
        properties.put(DEAD_LETTER_QUEUE, deadLetterQueue);
        return properties;
    }

    /**
     * KCL tuned to start, take over and hand over in seconds, and retries in milliseconds: what every test runs with.
     * Production defaults are slower on purpose (README, "Health, start-up and hand-off").
     */
    public static Map<String, Object> fastForTests() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("log-stream.retry.base-delay", "50ms");
        properties.put("log-stream.retry.max-delay", "1s");
        properties.put("log-stream.retry.unhealthy-after", "2s");
        properties.put("log-stream.kcl.idle-time-between-reads", "100ms");
        properties.put("log-stream.kcl.failover-time", "3s");
        properties.put("log-stream.kcl.shard-sync-interval", "1s");
        properties.put("log-stream.kcl.lease-assignment-interval", "1s");
        properties.put("log-stream.kcl.shard-consumer-dispatch-poll-interval", "100ms");
        properties.put("log-stream.kcl.parent-shard-poll-interval", "100ms");
        properties.put("log-stream.kcl.leader-lease-duration", "5s");
        properties.put("log-stream.kcl.leader-heartbeat-period", "1s");
        properties.put("log-stream.kcl.graceful-shutdown-timeout", "10s");
        properties.put("log-stream.kcl.lease-assignment-strategy", "LEASE_COUNT_BASED");
        properties.put("log-stream.counts.flush-interval", "1s");
        return properties;
    }

    /** {@code name=value} pairs, as {@code -D} options take them. */
    public static List<String> asPairs(Map<String, Object> properties) {
        return properties.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }
}
