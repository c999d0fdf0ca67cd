package io.logstream.query.tail;

import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.config.ReadSettings;
import io.logstream.query.store.Completeness;
import io.logstream.query.store.Direction;
import io.logstream.query.store.LogQuery;
import io.logstream.query.store.LogRepository;
import io.logstream.query.store.ReadBudget;
import io.logstream.query.store.ReadBudgets;
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
 * At most {@code tail-connections} tails per instance, polled by {@code tail-pollers} threads. One poll of one tail
 * reads at most {@code tail-pages-per-poll} DynamoDB pages over all its services: a tail that is far behind (a resume,
 * a burst) catches up over several polls, releasing each time only what is complete in order over all its services.
 */
@Singleton
public class TailService {
    private static final Logger LOG = LoggerFactory.getLogger(TailService.class);
    private static final int PAGE = 500;

    private final LogRepository repository;
    private final Completeness completeness;
    private final ReadSettings settings;
    private static final Comparator<Key> KEY_ORDER = Comparator.comparingLong(Key::ts).thenComparing(Key::service)
            .thenComparing(Key::id);

    private final ScheduledExecutorService pollers;
    private final AtomicInteger open = new AtomicInteger();
    private final ReadBudgets budgets;

    public TailService(LogRepository repository, Completeness completeness, ReadSettings settings, ReadBudgets budgets) {
        this.repository = repository;
        this.completeness = completeness;
        this.settings = settings;
        this.budgets = budgets;
        AtomicInteger counter = new AtomicInteger();
        this.pollers = Executors.newScheduledThreadPool(settings.tailPollers(), runnable -> {
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

    /** One poll's read of one service: its records in order, whether the budget cut it, and how far it is known. */
    private record ServiceRead(List<LogRecord> records, boolean cut, String through) {
    }

    /** A place in the order tails release records in: time, then service, then id. */
    private record Key(long ts, String service, String id) {
        static Key of(LogRecord record) {
            return new Key(record.ts(), record.service(), record.id());
        }

        static Key of(String service, String sortKey) {
            return new Key(LogKeys.tsOf(sortKey), service, LogKeys.idOf(sortKey));
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
                // one page per service at least, so that every poll moves (the merge needs each service's next record)
                ReadBudget budget = budgets.start(Math.max(settings.tailPagesPerPoll(), spec.services().size()));
                Map<String, ServiceRead> reads = readUpTo(bound, budget);
                Key limit = null; // past it some service's records are not known yet: nothing past it is released
                for (Map.Entry<String, ServiceRead> entry : reads.entrySet()) {
                    ServiceRead read = entry.getValue();
                    if (read.cut()) {
                        Key through = read.through() != null ? Key.of(entry.getKey(), read.through())
                                : new Key(position.fromMillis - 1, "", "");
                        limit = limit == null || KEY_ORDER.compare(through, limit) < 0 ? through : limit;
                    }
                }
                List<LogRecord> batch = release(reads, limit);
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

        /** The records up to {@code limit} (all when null) that pass the filter; each service's position moves past them. */
        private List<LogRecord> release(Map<String, ServiceRead> reads, Key limit) {
            List<LogRecord> batch = new ArrayList<>();
            reads.forEach((service, read) -> {
                String after = null;
                for (LogRecord record : read.records()) {
                    if (limit != null && KEY_ORDER.compare(Key.of(record), limit) > 0) {
                        break;
                    }
                    after = LogKeys.sortKey(record.ts(), record.id());
                    if (spec.filter().test(record)) {
                        batch.add(record);
                    }
                }
                if (read.through() != null && (limit == null || KEY_ORDER.compare(Key.of(service, read.through()), limit) <= 0)) {
                    after = read.through();
                }
                if (after != null) {
                    position.after.put(service, after);
                }
            });
            return batch;
        }

        /**
         * Every service's new records in order up to {@code bound}, a page of each in turn, as far as the poll's budget
         * reaches; a service the budget stopped is {@code cut}, known {@code through} the position it reached.
         */
        private Map<String, ServiceRead> readUpTo(long bound, ReadBudget budget) {
            Map<String, String> after = new LinkedHashMap<>();
            Map<String, List<LogRecord>> records = new LinkedHashMap<>();
            Map<String, ServiceRead> reads = new LinkedHashMap<>();
            for (String service : spec.services()) {
                after.put(service, position.after.get(service));
                records.put(service, new ArrayList<>());
            }
            while (reads.size() < spec.services().size() && budget.left()) {
                for (String service : spec.services()) {
                    if (reads.containsKey(service) || !budget.left()) {
                        continue;
                    }
                    LogRepository.Slice slice = repository.find(new LogQuery(service, PAGE, position.fromMillis, bound,
                            Direction.FORWARD, spec.levels(), after.get(service)), budget);
                    records.get(service).addAll(slice.records());
                    if (slice.nextPosition() != null) {
                        after.put(service, slice.nextPosition());
                    }
                    if (slice.cut()) {
                        reads.put(service, new ServiceRead(records.get(service), true, after.get(service)));
                    } else if (slice.nextPosition() == null) {
                        reads.put(service, new ServiceRead(records.get(service), false, null));
                    }
                }
            }
            Map<String, ServiceRead> ordered = new LinkedHashMap<>();
            for (String service : spec.services()) {
                ordered.put(service, reads.getOrDefault(service,
                        new ServiceRead(records.get(service), true, after.get(service))));
            }
            return ordered;
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
