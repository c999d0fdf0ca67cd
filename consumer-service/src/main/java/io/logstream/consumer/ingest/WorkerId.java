package io.logstream.consumer.ingest;

import io.logstream.consumer.config.KclSettings;
import io.logstream.consumer.core.LogContext;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import org.slf4j.MDC;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

/**
 * This worker's id in KCL's lease table: {@code log-stream.kcl.worker-id}, else the host name and a random suffix. It
 * is the {@value #MDC_KEY} field of every log line the consumer writes from its own threads (with
 * {@value #SHARD_MDC_KEY} where a shard is concerned), as KCL's sample processors do.
 */
public record WorkerId(String value) {
    public static final String MDC_KEY = LogContext.WORKER;
    public static final String SHARD_MDC_KEY = LogContext.SHARD;

    /** Restores the MDC when a callback ends. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Puts this worker (and the shard, when not null) into the calling thread's MDC until the scope is closed. */
    public Scope inMdc(String shardId) {
        MDC.put(MDC_KEY, value);
        if (shardId != null) {
            MDC.put(SHARD_MDC_KEY, shardId);
        }
        return () -> {
            MDC.remove(MDC_KEY);
            MDC.remove(SHARD_MDC_KEY);
        };
    }

    @Factory
    static class Beans {
        @Singleton
        WorkerId workerId(KclSettings kcl) {
            if (kcl.workerId() != null && !kcl.workerId().isBlank()) {
                return new WorkerId(kcl.workerId());
            }
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "worker";
            }
            return new WorkerId(host + ":" + UUID.randomUUID());
        }
    }
}
