package io.logstream.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * The {@code detail} of a {@code LogError} EventBridge event (source {@value #SOURCE}, detail-type
 * {@value #DETAIL_TYPE}), raised for every stored ERROR or FATAL record. The message is cut to
 * {@value #MAX_MESSAGE_CHARS} characters ({@code messageTruncated} says so) so that an event always fits in
 * EventBridge's 256 KB entry limit; the full record is in the table under {@code service}/{@code id}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LogErrorEvent(String service, String level, String message, boolean messageTruncated, long ts,
                            String time, String id, String traceId, String host, Map<String, Object> attributes,
                            String stream, String shardId, String sequenceNumber) {
    public static final String SOURCE = "log-stream";
    public static final String DETAIL_TYPE = "LogError";
    public static final int MAX_MESSAGE_CHARS = 4096;
    /** Attributes are left out of an event whose detail would exceed this. */
    public static final int MAX_DETAIL_BYTES = 64 * 1024;

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    public static LogErrorEvent of(LogRecord record, RecordCoordinates coordinates) {
        String message = record.message();
        boolean truncated = message.length() > MAX_MESSAGE_CHARS;
        if (truncated) {
            message = message.substring(0, MAX_MESSAGE_CHARS);
        }
        return new LogErrorEvent(record.service(), record.level().name(), message, truncated, record.ts(),
                Instant.ofEpochMilli(record.ts()).toString(), record.id(), record.traceId(), record.host(),
                record.attributes().isEmpty() ? null : record.attributes(),
                coordinates.stream(), coordinates.shardId(), coordinates.sequenceNumber());
    }

    public String toDetailJson() {
        try {
            String json = MAPPER.writeValueAsString(this);
            if (attributes != null && json.getBytes(StandardCharsets.UTF_8).length > MAX_DETAIL_BYTES) {
                return withoutAttributes().toDetailJson();
            }
            return json;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("LogError detail is not serialisable", e);
        }
    }

    public static LogErrorEvent fromDetailJson(String json) {
        try {
            return MAPPER.readValue(json, LogErrorEvent.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a LogError detail: " + e.getOriginalMessage(), e);
        }
    }

    private LogErrorEvent withoutAttributes() {
        return new LogErrorEvent(service, level, message, messageTruncated, ts, time, id, traceId, host, null,
                stream, shardId, sequenceNumber);
    }
}
