package io.logstream.query.store;

import io.logstream.model.Counts;
import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.query.config.QuerySettings;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Reads the consumer's count items ({@link Counts}) into series: per label set, records and bytes for each minute of a
 * span, summed over the shards. Strongly consistent reads: per service the level items (and the host items when the
 * query needs them), a long span in parallel sub-spans; every page is one of the {@link ReadBudget}'s.
 */
@Singleton
public class CountReader {
    /** At most this many sub-spans of a long span are read at once, each of at least {@link #SEGMENT_MINUTES}. */
    static final int SEGMENTS = 2;
    static final int SEGMENT_MINUTES = 120;

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final ExecutorService readers;
    private final RetentionTable retention;
    private final java.time.Clock clock;

    public CountReader(DynamoDbClient dynamoDb, QuerySettings settings, RetentionTable retention,
                       java.time.Clock clock) {
        this.dynamoDb = dynamoDb;
        this.retention = retention;
        this.clock = clock;
        this.table = settings.table();
        AtomicInteger threads = new AtomicInteger();
        this.readers = Executors.newFixedThreadPool(SEGMENTS, runnable -> {
            Thread thread = new Thread(runnable, "count-reader-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    @PreDestroy
    void close() {
        readers.shutdownNow();
    }

    /** The minutes ending at {@code firstEnd}, {@code firstEnd + 60 s}, ..., {@code lastEnd} (epoch millis). */
    public record Span(long firstEnd, long lastEnd) {
        public long minutes() {
            return (lastEnd - firstEnd) / Counts.MINUTE_MILLIS + 1;
        }

        boolean contains(long minuteEnd) {
            return minuteEnd >= firstEnd && minuteEnd <= lastEnd;
        }
    }

    /**
     * One series: its labels and the minutes with records, sparse (memory follows the items read, which the budget
     * bounds, not the span): their ends, ascending, and running sums of their records and bytes.
     */
    public record Series(Map<String, String> labels, long[] ends, long[] recordSums, long[] byteSums) {
        /** Records and bytes of the minutes ending in ({@code after}, {@code through}]. */
        public long[] between(long after, long through) {
            int from = upper(after);
            int to = upper(through);
            return new long[]{recordSums[to] - recordSums[from], byteSums[to] - byteSums[from]};
        }

        /** How many minutes end at or before {@code end} (the ends are distinct). */
        private int upper(long end) {
            int found = java.util.Arrays.binarySearch(ends, end);
            return found >= 0 ? found + 1 : -found - 1;
        }
    }

    /** The budget ran out before every count item was read. */
    public static final class BudgetSpent extends RuntimeException {
        BudgetSpent() {
            super("count read over budget", null, false, false);
        }
    }

    /**
     * The series of {@code services} at {@code levels} over {@code span}.
     *
     * @param host   which hosts to keep (a record without one is tested as null); null keeps every record
     * @param byHost true to split the series by host, as Loki's labels do; false sums hosts away (only the level
     *               items are read when {@code host} is null too)
     */
    public List<Series> read(List<String> services, Set<LogLevel> levels, Predicate<String> host, boolean byHost,
                             Span wanted, ReadBudget budget) {
        List<Series> series = new ArrayList<>();
        // no record is before the epoch (its minute ends at 0 at the earliest), so neither is a count item
        Span span = new Span(Math.max(0, wanted.firstEnd()), wanted.lastEnd());
        if (span.lastEnd() < span.firstEnd()) {
            return series;
        }
        for (String service : services) {
            Map<Long, Counts.Tally> levelsByMinute = new HashMap<>();
            Span blocks = new Span(Counts.blockEnd(span.firstEnd()), Counts.blockEnd(span.lastEnd()));
            query(Counts.levelsPk(service), blocks, budget, item -> Counts.levelMinutes(item).forEach((end, tally) -> {
                if (span.contains(end)) {
                    levelsByMinute.computeIfAbsent(end, i -> new Counts.Tally()).add(tally);
                }
            }));
            if (levelsByMinute.isEmpty()) {
                continue;
            }
            if (host == null && !byHost) {
                add(series, labels(service, null), levels, levelsByMinute);
                continue;
            }
            Map<String, Map<Long, Counts.Tally>> hosts = new TreeMap<>();
            query(Counts.hostsPk(service), span, budget, item -> {
                long minute = Counts.minuteEndOf(item.get(LogKeys.SK).s());
                Counts.hostsOf(item).forEach((name, tally) -> hosts.computeIfAbsent(name, h -> new HashMap<>())
                        .computeIfAbsent(minute, i -> new Counts.Tally()).add(tally));
            });
            Map<Long, Counts.Tally> merged = new HashMap<>();
            hosts.forEach((name, byMinute) -> {
                if (host == null || host.test(name)) {
                    if (byHost) {
                        add(series, labels(service, name), levels, byMinute);
                    } else {
                        byMinute.forEach((i, tally) -> merged.computeIfAbsent(i, m -> new Counts.Tally()).add(tally));
                    }
                }
            });
            if (host == null || host.test(null)) {
                // records without a host: the level items less every host's
                Map<Long, Counts.Tally> hostless = new HashMap<>();
                levelsByMinute.forEach((i, tally) -> {
                    Counts.Tally rest = new Counts.Tally();
                    rest.add(tally);
                    hosts.values().forEach(byMinute -> {
                        Counts.Tally of = byMinute.get(i);
                        if (of != null) {
                            rest.subtract(of);
                        }
                    });
                    hostless.put(i, rest);
                });
                if (byHost) {
                    add(series, labels(service, null), levels, hostless);
                } else {
                    hostless.forEach((i, tally) -> merged.computeIfAbsent(i, m -> new Counts.Tally()).add(tally));
                }
            }
            if (!byHost) {
                add(series, labels(service, null), levels, merged);
            }
        }
        return series;
    }

    /**
     * One series per level with any record, labelled as Loki labels the records; a minute the retention rules have
     * expired is left out, as its records are (docs/retention.md).
     */
    private void add(List<Series> out, Map<String, String> labels, Set<LogLevel> levels,
                     Map<Long, Counts.Tally> byMinute) {
        List<Long> ends = new ArrayList<>(new java.util.TreeSet<>(byMinute.keySet()));
        io.logstream.model.Retention rules = retention.current();
        long now = clock.millis();
        String service = labels.get("service");
        for (LogLevel level : levels) {
            int n = 0;
            long[] at = new long[ends.size()];
            long[] records = new long[ends.size() + 1];
            long[] bytes = new long[ends.size() + 1];
            for (long end : ends) {
                Counts.Tally tally = byMinute.get(end);
                if (tally.records(level) != 0 && rules.visible(service, level, end, now)) {
                    at[n] = end;
                    records[n + 1] = records[n] + tally.records(level);
                    bytes[n + 1] = bytes[n] + tally.bytes(level);
                    n++;
                }
            }
            if (n > 0) {
                Map<String, String> withLevel = new TreeMap<>(labels);
                withLevel.put("level", level.name());
                out.add(new Series(withLevel, java.util.Arrays.copyOf(at, n), java.util.Arrays.copyOf(records, n + 1),
                        java.util.Arrays.copyOf(bytes, n + 1)));
            }
        }
    }

    private static Map<String, String> labels(String service, String host) {
        Map<String, String> labels = new TreeMap<>();
        labels.put("service", service);
        if (host != null) {
            labels.put("host", host);
        }
        return labels;
    }

    /**
     * Every count item of {@code pk} in the span, handed to {@code each} in this thread. A long span is read as up to
     * {@value #SEGMENTS} sub-spans in parallel, each paged, all of them within what is left of the budget's pages.
     */
    private void query(String pk, Span span, ReadBudget budget,
                       java.util.function.Consumer<Map<String, AttributeValue>> each) {
        int segments = (int) Math.max(1, Math.min(SEGMENTS, span.minutes() / SEGMENT_MINUTES));
        // a sub-span past the first keeps reading only while pages are left, and a sparse span reads little
        AtomicInteger allowance = new AtomicInteger(Math.max(1, budget.maxPages() - budget.pages()));
        long width = (long) Math.ceil(span.minutes() / (double) segments) * Counts.MINUTE_MILLIS;
        List<CompletableFuture<Segment>> reads = new ArrayList<>();
        for (long from = span.firstEnd(); from <= span.lastEnd(); from += width) {
            Span part = new Span(from, Math.min(span.lastEnd(), from + width - Counts.MINUTE_MILLIS));
            reads.add(segments == 1 ? CompletableFuture.completedFuture(segment(pk, part, allowance))
                    : CompletableFuture.supplyAsync(() -> segment(pk, part, allowance), readers));
        }
        boolean spent = false;
        for (CompletableFuture<Segment> read : reads) {
            Segment segment;
            try {
                segment = read.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
            }
            for (int i = 0; i < segment.pages(); i++) {
                budget.spend();
            }
            spent |= segment.cut();
            segment.items().forEach(each);
        }
        if (spent) {
            throw new BudgetSpent();
        }
    }

    /** The items of one sub-span, the pages it took, and whether it stopped for want of pages. */
    private record Segment(List<Map<String, AttributeValue>> items, int pages, boolean cut) {
    }

    private Segment segment(String pk, Span span, AtomicInteger allowance) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        int pages = 0;
        do {
            if (allowance.getAndDecrement() <= 0) {
                return new Segment(items, pages, true);
            }
            Map<String, AttributeValue> from = start;
            QueryResponse response = dynamoDb.query(b -> b.tableName(table).consistentRead(true)
                    .keyConditionExpression("#pk = :pk AND #sk BETWEEN :lo AND :hi")
                    .expressionAttributeNames(Map.of("#pk", LogKeys.PK, "#sk", LogKeys.SK))
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk),
                            ":lo", AttributeValue.fromS(Counts.lowerBound(span.firstEnd())),
                            ":hi", AttributeValue.fromS(Counts.upperBound(span.lastEnd()))))
                    .exclusiveStartKey(from));
            pages++;
            items.addAll(response.items());
            start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                    ? response.lastEvaluatedKey() : null;
        } while (start != null);
        return new Segment(items, pages, false);
    }
}
