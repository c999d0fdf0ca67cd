package io.logstream.query.store;

import io.logstream.query.problem.ClientSafeException;

/** The consumer keeps no counts (COUNTS=false), so a volume cannot be answered from them. */
public class CountsUnavailableException extends ClientSafeException {
    public CountsUnavailableException() {
        super("the consumer keeps no counts (COUNTS=false), so volumes are not available; LogQL metric queries "
                + "count the records instead");
    }

    @Override
    public String problemType() {
        return "counts-unavailable";
    }

    @Override
    public int status() {
        return 409;
    }

    @Override
    public String title() {
        return "Counts unavailable";
    }
}
