package io.logstream.query.rules;

import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * Where alerts go, from one background thread, in batches, in the order they were raised. What the destination does
 * not take (an error, a refused connection, entries it refused) goes back to the head of the queue and is retried
 * with exponential backoff from 1 s to 30 s until it is taken, so nothing is lost while the destination is down for
 * minutes; the queue holds {@link #CAPACITY} alerts, past which the oldest are dropped and counted.
 */
public abstract class AlertQueue {
    static final int CAPACITY = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(AlertQueue.class);

    /**
     * One alert as a destination takes it. {@code change} is true when it started firing or resolved at this
     * evaluation, false for a resend.
     */
    public record Alert(Map<String, String> labels, Map<String, String> annotations, Instant startsAt, Instant endsAt,
                        boolean change) {
        public Alert(Map<String, String> labels, Map<String, String> annotations, Instant startsAt, Instant endsAt) {
            this(labels, annotations, startsAt, endsAt, true);
        }
    }

    private final String name;
    private final int batchSize;
    private final LinkedBlockingDeque<Alert> queue = new LinkedBlockingDeque<>();
    private final Thread sender;
    private volatile boolean running = true;
    private volatile long dropped;
    private volatile long sent;

    protected AlertQueue(String name, int batchSize, boolean enabled) {
        this.name = name;
        this.batchSize = batchSize;
        this.sender = new Thread(this::run, name + "-notifier");
        this.sender.setDaemon(true);
        if (enabled) {
            sender.start();
        }
    }

    public boolean enabled() {
        return sender.isAlive();
    }

    /** Whether this destination wants an alert (all by default). */
    protected boolean wants(Alert alert) {
        return true;
    }

    /**
     * Delivers one batch.
     *
     * @return the alerts of the batch it did not take, in order (empty when all were taken)
     * @throws Exception when it took none
     */
    protected abstract List<Alert> deliver(List<Alert> batch) throws Exception;

    /** Queues alerts to send; returns at once. */
    public void send(List<Alert> alerts) {
        if (!enabled()) {
            return;
        }
        for (Alert alert : alerts) {
            if (!wants(alert)) {
                continue;
            }
            while (queue.size() >= CAPACITY) {
                queue.pollFirst();
                dropped++;
            }
            queue.addLast(alert);
        }
    }

    /** Alerts the destination has taken, and alerts dropped because the queue was full. */
    public long sent() {
        return sent;
    }

    public long dropped() {
        return dropped;
    }

    private void run() {
        long backoff = 1_000;
        while (running) {
            List<Alert> batch = new ArrayList<>();
            List<Alert> left;
            String why;
            try {
                Alert first = queue.pollFirst(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, batchSize - 1);
                left = deliver(batch);
                why = left.size() + " entries refused";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                left = batch;
                why = e.getMessage();
            }
            sent += batch.size() - left.size();
            if (left.isEmpty()) {
                backoff = 1_000;
                continue;
            }
            for (int i = left.size() - 1; i >= 0; i--) {
                queue.addFirst(left.get(i)); // back at the head, in order, for the retry
            }
            LOG.warn("{} did not take {} alerts ({}); retrying in {} ms", name, left.size(), why, backoff);
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
            backoff = Math.min(30_000, backoff * 2);
        }
    }

    @PreDestroy
    void stop() {
        running = false;
        sender.interrupt();
    }
}
