package io.logstream.consumer.ingest;

import io.logstream.consumer.config.KclSettings;
import io.logstream.consumer.core.LogContext;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

/**
 * This worker's id in KCL's lease table: {@code log-stream.kcl.worker-id}, else the host name and a random suffix. It
 * is the {@code workerId} field of every log line the consumer writes from its own threads (with {@code shardId}
 * where a shard is concerned; see {@link LogContext}), as KCL's sample processors do.
 */
public record WorkerId(String value) {

    /** Puts this worker (and the shard, when not null) into the calling thread's MDC until the scope closes. */
    public LogContext.Scope inMdc(String shardId) {
        return LogContext.open(value, shardId);
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
