package io.logstream.query.logs;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/** A page of logs; {@code nextCursor} is null on the last page. */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record LogPage(String service, List<LogView> items, @Nullable String nextCursor) {
}
