package io.logstream.consumer.core;

import org.slf4j.MDC;

import java.util.function.Supplier;

/**
 * The MDC keys every consumer log line carries where they apply (JSON fields with LOG_FORMAT=json), and the one way
 * they are set: a scope that puts them and removes them again.
 */
public final class LogContext {
    /** This worker's id in KCL's lease table. */
    public static final String WORKER = "workerId";
    /** The shard a line is about. */
    public static final String SHARD = "shardId";

    private LogContext() {
    }

    /** Ends a scope: the keys it put are removed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Puts the worker and the shard (each when not null) into the calling thread's MDC until the scope closes. */
    public static Scope open(String worker, String shard) {
        if (worker != null) {
            MDC.put(WORKER, worker);
        }
        if (shard != null) {
            MDC.put(SHARD, shard);
        }
        return () -> {
            MDC.remove(WORKER);
            MDC.remove(SHARD);
        };
    }

    /** {@code task} run with the calling thread's worker and shard in the MDC, wherever it runs. */
    public static <T> Supplier<T> carried(Supplier<T> task) {
        String worker = MDC.get(WORKER);
        String shard = MDC.get(SHARD);
        if (worker == null && shard == null) {
            return task;
        }
        return () -> {
            try (Scope ignored = open(worker, shard)) {
                return task.get();
            }
        };
    }
}
