package io.logstream.query.logs;

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
    /** The last second formatted: a page's records mostly share their seconds with their neighbours. */
    private static volatile Second lastSecond = new Second(0, "1970-01-01T00:00:00");

    private record Second(long epochSecond, String text) {
    }

    public static LogView of(LogRecord record) {
        return new LogView(record.id(), record.ts(), time(record.ts()),
                record.level().name(), record.message(), record.traceId(), record.host(),
                record.attributes().isEmpty() ? null : record.attributes(), record.ingestedAt());
    }

    /** Exactly {@code Instant.ofEpochMilli(ts).toString()}, formatting each second once rather than every record. */
    static String time(long ts) {
        long epochSecond = Math.floorDiv(ts, 1000);
        int millis = (int) Math.floorMod(ts, 1000);
        Second second = lastSecond;
        if (second.epochSecond() != epochSecond) {
            String whole = Instant.ofEpochSecond(epochSecond).toString();
            second = new Second(epochSecond, whole.substring(0, whole.length() - 1));
            lastSecond = second;
        }
        if (millis == 0) {
            return second.text() + 'Z';
        }
        char[] fraction = {'.', (char) ('0' + millis / 100), (char) ('0' + millis / 10 % 10),
                (char) ('0' + millis % 10), 'Z'};
        return second.text().concat(new String(fraction));
    }
}
