package io.logstream.consumer.core;

/** The MDC keys every consumer log line carries where they apply (JSON fields with LOG_FORMAT=json). */
public final class LogContext {
    /** This worker's id in KCL's lease table. */
    public static final String WORKER = "workerId";
    /** The shard a line is about. */
    public static final String SHARD = "shardId";

    private LogContext() {
    }
}
