package io.logstream.query.loki;

import io.logstream.query.logql.LogQl;
import io.logstream.query.logql.LogQlException;

import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.config.ReadSettings;
import io.logstream.query.store.Catalogue;
import io.logstream.query.store.Direction;
import io.logstream.query.store.LogQuery;
import io.logstream.query.store.LogRepository;
import io.logstream.query.store.ReadBudget;
import io.logstream.query.security.ServiceAccess;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.authentication.AuthorizationException;
import jakarta.inject.Singleton;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Answers a LogQL selector over several services without a scan: one DynamoDB {@code Query} per service (on the level
 * index when the levels allow it, through {@link LogRepository}), read page by page and merged by time, so the
 * answer is the first {@code limit} matching records in order over all of them.
 * <ul>
 *   <li>Services: the names a selector spells out ({@code service="a"}, {@code service=~"a|b"}); otherwise the
 *   catalogue's, filtered by every service matcher. At most the fan-out limit.</li>
 *   <li>Only services the token may read: a name spelled out that it may not read is a 403; catalogue names it may
 *   not read are left out.</li>
 *   <li>One {@link ReadBudget} per request over all its services and levels (and, for series, all its selectors).
 *   Past it the answer stops at the last record that is certainly in order (a correct prefix) and says it is
 *   truncated.</li>
 * </ul>
 */
@Singleton
public class SelectorReader {
    private static final int PAGE = 500;

    private final LogRepository repository;
    private final Catalogue catalogue;
    private final ServiceAccess access;
    private final int fanOut;

    public SelectorReader(LogRepository repository, Catalogue catalogue, ServiceAccess access, ReadSettings settings) {
        this.repository = repository;
        this.catalogue = catalogue;
        this.access = access;
        this.fanOut = settings.lokiFanOut();
    }

    /** Records in order and whether the page budget cut the answer short. */
    public record Result(List<LogRecord> records, boolean truncated, int recordsRead) {
    }

    /** The services a selector reads, in name order. */
    public List<String> services(List<LogQl.Matcher> matchers, @Nullable Authentication authentication) {
        boolean named = spelledOut(matchers.stream().filter(m -> m.label().equals("service")).toList()) != null;
        List<String> services = new ArrayList<>();
        for (String service : matching(matchers)) {
            if (access.allows(authentication, service)) {
                services.add(service);
            } else if (named) {
                throw new AuthorizationException(authentication);
            }
        }
        if (services.size() > fanOut) {
            throw new LogQlException("the selector matches " + services.size() + " services, more than the fan-out "
                    + "limit of " + fanOut + "; name the services with service=\"...\" or service=~\"a|b\"");
        }
        return services;
    }

    /**
     * Every service a selector matches, in name order, whoever may read it and however many: for an administrator's
     * delete, which no token's services or fan-out limit narrows.
     */
    public List<String> matching(List<LogQl.Matcher> matchers) {
        List<LogQl.Matcher> onService = matchers.stream().filter(m -> m.label().equals("service")).toList();
        Set<String> named = spelledOut(onService);
        Set<String> candidates = new TreeSet<>();
        if (named != null) {
            candidates.addAll(named);
        } else {
            catalogue.services().forEach(entry -> candidates.add(entry.name()));
        }
        return candidates.stream().filter(service -> LogKeys.isValidName(service)
                && onService.stream().allMatch(m -> m.test(service))).toList();
    }

    /** The levels a selector keeps; empty when it keeps none. */
    public static Set<LogLevel> levels(List<LogQl.Matcher> matchers) {
        Set<LogLevel> levels = EnumSet.noneOf(LogLevel.class);
        for (LogLevel level : LogLevel.values()) {
            if (matchers.stream().filter(m -> m.label().equals("level")).allMatch(m -> m.test(level.name()))) {
                levels.add(level);
            }
        }
        return levels;
    }

    /** Whether a record passes the selector's host matchers. */
    public static Predicate<LogRecord> hostFilter(List<LogQl.Matcher> matchers) {
        List<LogQl.Matcher> onHost = matchers.stream().filter(m -> m.label().equals("host")).toList();
        return record -> onHost.stream().allMatch(m -> m.test(record.host()));
    }

    /**
     * The first {@code limit} records of {@code services} in [{@code from}, {@code to}] (epoch millis, inclusive) in
     * {@code direction} order that have one of {@code levels} and pass {@code filter}.
     */
    public Result read(List<String> services, Set<LogLevel> levels, long from, long to, Direction direction, int limit,
                       Predicate<LogRecord> filter, ReadBudget budget) {
        if (levels.isEmpty() || services.isEmpty()) {
            return new Result(List.of(), false, 0);
        }
        Set<LogLevel> levelFilter = levels.size() == LogLevel.values().length ? Set.of() : levels;
        List<Cursor> cursors = new ArrayList<>();
        for (String service : services) {
            cursors.add(new Cursor(service));
        }
        Comparator<LogRecord> order = Comparator.comparingLong(LogRecord::ts).thenComparing(LogRecord::service)
                .thenComparing(LogRecord::id);
        if (direction == Direction.BACKWARD) {
            order = order.reversed();
        }
        Merge merge = new Merge(levelFilter, from, to, direction, filter, budget);
        List<LogRecord> out = new ArrayList<>();
        while (out.size() < limit) {
            Cursor next = null;
            for (Cursor cursor : cursors) {
                if (!merge.fill(cursor)) {
                    return new Result(out, true, merge.read);
                }
                if (!cursor.buffer.isEmpty() && (next == null || order.compare(cursor.buffer.peek(), next.buffer.peek()) < 0)) {
                    next = cursor;
                }
            }
            if (next == null) {
                break;
            }
            out.add(next.buffer.poll());
        }
        return new Result(out, false, merge.read);
    }

    /** What a {@link #scan} read: records passed to the visitor, and whether the budget stopped it. */
    public record Scanned(long records, boolean truncated) {
    }

    /**
     * Every record of {@code services} in [{@code from}, {@code to}] with one of {@code levels} that passes
     * {@code filter}, handed to {@code visitor} page by page in no particular order across services, within the
     * budget. For counting: nothing is held but a page per reader. A window of more than a minute is read as up to
     * {@link #SEGMENTS} time segments at once (sort keys are in time order, so each is one key range), so DynamoDB
     * serves them in parallel: {@code filter} and {@code visitor} are called from several threads at once. An
     * exception they throw ends the scan and is thrown here.
     */
    public Scanned scan(List<String> services, Set<LogLevel> levels, long from, long to, Predicate<LogRecord> filter,
                        ReadBudget budget, java.util.function.Consumer<LogRecord> visitor) {
        if (levels.isEmpty() || services.isEmpty()) {
            return new Scanned(0, false);
        }
        Set<LogLevel> levelFilter = levels.size() == LogLevel.values().length ? Set.of() : levels;
        java.util.concurrent.atomic.LongAdder passed = new java.util.concurrent.atomic.LongAdder();
        int segments = (int) Math.max(1, Math.min(SEGMENTS, (to - from) / 60_000));
        long span = (to - from) / segments;
        for (String service : services) {
            List<java.util.concurrent.Future<Boolean>> reads = new ArrayList<>();
            for (int k = 0; k < segments; k++) {
                long segmentFrom = from + k * span;
                long segmentTo = k == segments - 1 ? to : from + (k + 1) * span - 1;
                LogQuery query = new LogQuery(service, PAGE, segmentFrom, segmentTo, Direction.FORWARD, levelFilter,
                        null);
                java.util.concurrent.Callable<Boolean> read = () -> repository.forEach(query, budget, record -> {
                    if (filter.test(record)) {
                        visitor.accept(record);
                        passed.increment();
                    }
                });
                reads.add(segments == 1 ? java.util.concurrent.CompletableFuture.completedFuture(call(read))
                        : SCANNERS.submit(read));
            }
            boolean whole = true;
            for (java.util.concurrent.Future<Boolean> read : reads) {
                whole &= join(read, reads);
            }
            if (!whole) {
                return new Scanned(passed.sum(), true);
            }
        }
        return new Scanned(passed.sum(), false);
    }

    /** Time segments one scan reads at once. */
    static final int SEGMENTS = 4;
    private static final java.util.concurrent.ExecutorService SCANNERS = java.util.concurrent.Executors
            .newFixedThreadPool(8, runnable -> {
                Thread thread = new Thread(runnable, "segment-scanner");
                thread.setDaemon(true);
                return thread;
            });

    private static boolean call(java.util.concurrent.Callable<Boolean> read) {
        try {
            return read.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A segment's outcome; its exception (the others cancelled) as it was thrown. */
    private static boolean join(java.util.concurrent.Future<Boolean> read,
                                List<java.util.concurrent.Future<Boolean>> all) {
        try {
            return read.get();
        } catch (java.util.concurrent.ExecutionException e) {
            all.forEach(other -> other.cancel(true));
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            all.forEach(other -> other.cancel(true));
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The services a selector's {@code service} matchers name outright ({@code service="a"},
     * {@code service=~"a|b"}), intersected; null when none does, so that only the catalogue can say which services
     * match.
     */
    public static Set<String> spelledOut(List<LogQl.Matcher> onService) {
        Set<String> names = null;
        for (LogQl.Matcher m : onService) {
            Set<String> these = m.op() == LogQl.Op.EQ ? Set.of(m.value())
                    : m.op() == LogQl.Op.RE ? literalAlternation(m.value()) : null;
            if (these != null) {
                if (names == null) {
                    names = new TreeSet<>(these);
                } else {
                    names.retainAll(these);
                }
            }
        }
        return names;
    }

    /** {@code a|b\.c} as {a, b.c}; null when the pattern is any other regular expression. */
    static Set<String> literalAlternation(String regex) {
        Set<String> names = new TreeSet<>();
        StringBuilder name = new StringBuilder();
        for (int i = 0; i <= regex.length(); i++) {
            char c = i < regex.length() ? regex.charAt(i) : '|';
            if (c == '|') {
                if (!LogKeys.isValidName(name.toString())) {
                    return null;
                }
                names.add(name.toString());
                name.setLength(0);
            } else if (c == '\\' && i + 1 < regex.length() && !Character.isLetterOrDigit(regex.charAt(i + 1))) {
                name.append(regex.charAt(++i));
            } else if (".*+?()[]{}^$\\".indexOf(c) >= 0) {
                return null;
            } else {
                name.append(c);
            }
        }
        return names;
    }

    /** One service's records, a page at a time. */
    private static final class Cursor {
        private final String service;
        private final ArrayDeque<LogRecord> buffer = new ArrayDeque<>();
        private String after;
        private boolean exhausted;
        /** The budget stopped this service's read: what lies past its buffer is unknown. */
        private boolean blocked;

        private Cursor(String service) {
            this.service = service;
        }
    }

    /** One merged read over several cursors: its bounds, its budget and how many records it has read. */
    private final class Merge {
        private final Set<LogLevel> levels;
        private final long from;
        private final long to;
        private final Direction direction;
        private final Predicate<LogRecord> filter;
        private final ReadBudget budget;
        private int read;

        private Merge(Set<LogLevel> levels, long from, long to, Direction direction,
                      Predicate<LogRecord> filter, ReadBudget budget) {
            this.levels = levels;
            this.from = from;
            this.to = to;
            this.direction = direction;
            this.filter = filter;
            this.budget = budget;
        }

        /** Makes the cursor's head known (or the cursor exhausted); false when that needs a page over the budget. */
        private boolean fill(Cursor cursor) {
            while (cursor.buffer.isEmpty() && !cursor.exhausted) {
                if (cursor.blocked || !budget.left()) {
                    cursor.blocked = true;
                    return false;
                }
                LogRepository.Slice slice = repository.find(new LogQuery(cursor.service, PAGE, from, to, direction,
                        levels, cursor.after), budget);
                read += slice.records().size();
                slice.records().stream().filter(filter).forEach(cursor.buffer::add);
                if (slice.cut()) {
                    cursor.blocked = true;
                    cursor.after = slice.nextPosition() != null ? slice.nextPosition() : cursor.after;
                } else {
                    cursor.after = slice.nextPosition();
                    cursor.exhausted = cursor.after == null;
                }
            }
            return true;
        }
    }
}
