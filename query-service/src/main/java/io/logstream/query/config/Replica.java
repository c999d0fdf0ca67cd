package io.logstream.query.config;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** What the background work of a replica (rule evaluation, the delete and retention jobs) shares. */
public final class Replica {
    private Replica() {
    }

    /** The replica's name in leases: {@code configured}, else its host name and a random id. */
    public static String name(String configured) {
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "query";
        }
        return host + "-" + UUID.randomUUID();
    }

    /**
     * {@code task} every {@code period} (the first run one period after start) on a daemon thread named
     * {@code thread}; null when not {@code enabled}. Shut it down with the bean.
     */
    public static ScheduledExecutorService every(boolean enabled, String thread, Duration period, Runnable task) {
        if (!enabled) {
            return null;
        }
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread named = new Thread(runnable, thread);
            named.setDaemon(true);
            return named;
        });
        scheduler.scheduleWithFixedDelay(task, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        return scheduler;
    }
}
