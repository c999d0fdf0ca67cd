package io.logstream.query.store;

import io.logstream.model.LogLevel;

import java.util.Set;

/**
 * A validated request for one page of a service's logs.
 *
 * @param from   inclusive lower bound in epoch millis, or null
 * @param to     inclusive upper bound in epoch millis, or null
 * @param levels levels to keep; empty means all
 * @param after  sort key after which this page starts (from the cursor), or null for the first page
 */
public record LogQuery(String service, int limit, Long from, Long to, Direction direction, Set<LogLevel> levels,
                       String after) {

    /** Identifies the query apart from its page size, so that a cursor cannot be reused for a different query. */
    public String fingerprint() {
        return service + '|' + from + '|' + to + '|' + direction + '|' + levels.stream().map(Enum::name).sorted().toList();
    }
}
