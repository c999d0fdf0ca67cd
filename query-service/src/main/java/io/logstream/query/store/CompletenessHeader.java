package io.logstream.query.store;

/** The response header every read carries: the completeness watermark as an RFC 3339 instant. */
public final class CompletenessHeader {
    public static final String NAME = "X-Complete-Until";

    private CompletenessHeader() {
    }
}
