package io.logstream.query.tail;

import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.config.ReadSettings;
import io.logstream.query.ledger.Completeness;
import io.logstream.query.logs.Direction;
import io.logstream.query.logs.LogQuery;
import io.logstream.query.logs.LogRepository;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Live tails, for the SSE tail and Loki's WebSocket tail. A tail polls DynamoDB ({@code Query}, never a scan) and
 * releases records in sort-key order (time, then id) only up to the completeness watermark less the tail delay:
 * everything up to there is stored, so a record released later never sorts before one already sent. A record
 * that reaches Kinesis more than the delay after its own timestamp sorts before what was sent when it arrives and is
 * not sent by the tail (it is in every ordinary read); Loki's tail has the same rule with {@code delay_for}.
 * At most {@code tail-connections} tails per instance.
 */
@Singleton
public class TailService {
    private static final Logger LOG = LoggerFactory.getLogger(TailService.class);
    private static final int PAGE = 500;

    private final LogRepository repository;
    private final Completeness completeness;
    private final ReadSettings settings;
    private final ScheduledExecutorService pollers;
    private final AtomicInteger open = new AtomicInteger();

    public TailService(LogRepository repository, Completeness completeness, ReadSettings settings) {
        this.repository = repository;
        this.completeness = completeness;
        this.settings = settings;
        AtomicInteger counter = new AtomicInteger();
        this.pollers = Executors.newScheduledThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "tail-poller-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** What a tail reads and where it starts. */
    public record Spec(List<String> services, Set<LogLevel> levels, Predicate<LogRecord> filter, long delayMillis) {
    }

    /** Where each service's tail stands: after this sort key, or from this time when it has none. */
    public static final class Position {
        private final Map<String, String> after = new LinkedHashMap<>();
        private long fromMillis;

        public static Position after(String service, String sortKey) {
            Position position = new Position();
            position.after.put(service, sortKey);
            position.fromMillis = LogKeys.tsOf(sortKey);
            return position;
        }

        public static Position from(long fromMillis) {
            Position position = new Position();
            position.fromMillis = fromMillis;
            return position;
        }
    }

    /** A running tail; {@link #close()} stops it and frees its slot. */
    public final class Tail implements AutoCloseable {
        private final Spec spec;
        private final Position position;
        private final Consumer<List<LogRecord>> sink;
        private final Consumer<Throwable> onError;
        private ScheduledFuture<?> polling;
        private boolean closed;

        private Tail(Spec spec, Position position, Consumer<List<LogRecord>> sink, Consumer<Throwable> onError) {
            this.spec = spec;
            this.position = position;
            this.sink = sink;
            this.onError = onError;
        }

        private void poll() {
            try {
                long bound = Math.min(completeness.completeUntil().toEpochMilli() - spec.delayMillis(), LogKeys.MAX_TS);
                if (bound < position.fromMillis) {
                    return;
                }
                List<LogRecord> batch = new ArrayList<>();
                for (String service : spec.services()) {
                    readUpTo(service, bound, batch);
                }
                batch.sort(Comparator.comparingLong(LogRecord::ts).thenComparing(LogRecord::service)
                        .thenComparing(LogRecord::id));
                if (!batch.isEmpty()) {
                    sink.accept(batch);
                }
            } catch (RuntimeException e) {
                LOG.warn("tail poll failed: {}", e.toString());
                onError.accept(e);
                close();
            }
        }

        private void readUpTo(String service, long bound, List<LogRecord> batch) {
            while (true) {
                String after = position.after.get(service);
                LogRepository.Slice slice = repository.find(new LogQuery(service, PAGE, position.fromMillis, bound,
                        Direction.FORWARD, spec.levels(), after));
                for (LogRecord record : slice.records()) {
                    if (spec.filter().test(record)) {
                        batch.add(record);
                    }
                    position.after.put(service, LogKeys.sortKey(record.ts(), record.id()));
                }
                if (slice.nextPosition() == null) {
                    return;
                }
                position.after.put(service, slice.nextPosition());
            }
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                if (polling != null) {
                    polling.cancel(false);
                }
                open.decrementAndGet();
            }
        }
    }

    /**
     * Starts a tail that hands each poll's new records, in order, to {@code sink} on a poller thread; empty when the
     * instance already runs its maximum of tails.
     */
    public Optional<Tail> start(Spec spec, Position position, Consumer<List<LogRecord>> sink,
                                Consumer<Throwable> onError) {
        if (open.incrementAndGet() > settings.tailConnections()) {
            open.decrementAndGet();
            return Optional.empty();
        }
        Tail tail = new Tail(spec, position, sink, onError);
        long every = settings.tailPoll().toMillis();
        synchronized (tail) {
            tail.polling = pollers.scheduleWithFixedDelay(tail::poll, 0, every, TimeUnit.MILLISECONDS);
        }
        return Optional.of(tail);
    }

    /** The release bound a new tail starts after: the watermark less the delay. */
    public long releaseBound(long delayMillis) {
        return Math.max(0, completeness.completeUntil().toEpochMilli() - delayMillis);
    }

    public int open() {
        return open.get();
    }

    @PreDestroy
    void stop() {
        pollers.shutdownNow();
    }
}
