package io.logstream.localaws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A valid log record as an application puts it on the stream (docs/formats.md), for tests and benchmarks:
 * {@code LogPayload.of("api").level("ERROR").message("boom").ts(1723050000000L).json()}. Malformed payloads, which
 * are what a poison test is about, stay written out literally where they are used.
 */
public final class LogPayload {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, Object> fields = new LinkedHashMap<>();
    private final Map<String, Object> attributes = new LinkedHashMap<>();

    private LogPayload(String service) {
        fields.put("service", service);
    }

    public static LogPayload of(String service) {
        return new LogPayload(service);
    }

    public LogPayload level(String level) {
        return field("level", level);
    }

    public LogPayload message(String message) {
        return field("message", message);
    }

    public LogPayload ts(long ts) {
        return field("ts", ts);
    }

    /** The record's id; {@code null} leaves it out, so that the consumer derives one. */
    public LogPayload id(String id) {
        return field("id", id);
    }

    public LogPayload host(String host) {
        return field("host", host);
    }

    public LogPayload traceId(String traceId) {
        return field("traceId", traceId);
    }

    public LogPayload attribute(String name, Object value) {
        attributes.put(name, value);
        return this;
    }

    /** Any top-level field; {@code null} leaves it out. */
    public LogPayload field(String name, Object value) {
        if (value == null) {
            fields.remove(name);
        } else {
            fields.put(name, value);
        }
        return this;
    }

    public String json() {
        Map<String, Object> record = new LinkedHashMap<>(fields);
        if (!attributes.isEmpty()) {
            record.put("attributes", attributes);
        }
        try {
            return JSON.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not serialisable as JSON: " + record, e);
        }
    }

    public byte[] bytes() {
        return json().getBytes(StandardCharsets.UTF_8);
    }
}
