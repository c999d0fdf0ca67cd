package io.logstream.query.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.logstream.model.LogRecord;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.swagger.v3.oas.annotations.media.Schema;

import java.time.Instant;
import java.util.Map;

/** One log record as the API returns it; {@code time} is {@code ts} as an RFC 3339 instant. */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LogView(String id, long ts, String time, String level, String message, @Nullable String traceId,
                      @Nullable String host,
                      @Nullable @Schema(type = "object", additionalProperties = Schema.AdditionalPropertiesValue.TRUE)
                      Map<String, Object> attributes,
                      @Nullable Long ingestedAt) {
    public static LogView of(LogRecord record) {
        return new LogView(record.id(), record.ts(), Instant.ofEpochMilli(record.ts()).toString(),
                record.level().name(), record.message(), record.traceId(), record.host(),
                record.attributes().isEmpty() ? null : record.attributes(), record.ingestedAt());
    }
}
