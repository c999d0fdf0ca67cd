package io.logstream.query.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;

/**
 * A page of logs; {@code nextCursor} is null on the last page.
 *
 * @param completeUntil the completeness watermark when the page was read (also the X-Complete-Until header)
 * @param complete      whether the requested window ends at or before the watermark (a window without {@code to}
 *                      ends now)
 */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record LogPage(String service, List<LogView> items, @Nullable String nextCursor,
                      @Schema(format = "date-time") String completeUntil, boolean complete) {
}
