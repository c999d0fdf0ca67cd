package io.logstream.query.retention;

import io.logstream.query.store.CompletenessHeader;
import io.logstream.query.store.DeleteRequestTable;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.time.Clock;

/**
 * Beside {@code X-Complete-Until}, every read's answer says how many delete requests are not yet processed
 * ({@value #NAME}): 0 means that no delete is under way or waiting, so no record the answer holds is about to be
 * deleted. Read at most every 5 s (docs/retention.md).
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class DeletesPendingFilter {
    public static final String NAME = "X-Deletes-Pending";
    private static final long TTL_MILLIS = 5_000;
    private final DeleteRequestTable requests;
    private final Clock clock;
    private volatile long readAt = -TTL_MILLIS; // read at the first answer (Long.MIN_VALUE would overflow)
    private volatile long pending;

    public DeletesPendingFilter(DeleteRequestTable requests, Clock clock) {
        this.requests = requests;
        this.clock = clock;
    }

    @ResponseFilter
    @ExecuteOn(TaskExecutors.BLOCKING)
    public void addPending(MutableHttpResponse<?> response) {
        if (response.getHeaders().contains(CompletenessHeader.NAME)) {
            response.header(NAME, Long.toString(pending()));
        }
    }

    private long pending() {
        long now = clock.millis();
        if (now - readAt >= TTL_MILLIS) {
            pending = requests.all().stream().filter(r -> DeleteRequestTable.RECEIVED.equals(r.status())
                    || DeleteRequestTable.PROCESSING.equals(r.status())).count();
            readAt = now;
        }
        return pending;
    }
}
