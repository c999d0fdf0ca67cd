package io.logstream.query.store;

import io.logstream.model.Buckets;
import io.logstream.model.LogItemMapper;
import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.config.QuerySettings;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Reads pages of a service's logs with DynamoDB {@code Query} on the key scheme (never {@code Scan}).
 *
 * <ul>
 *   <li>No level filter: the base table, {@code pk = service} and the window on {@code sk}.</li>
 *   <li>Levels all WARN or above: the sparse {@code level-index} ({@code levelKey = service#LEVEL}), one query per
 *   level, so reading a service's errors never reads its INFO/DEBUG traffic.</li>
 *   <li>Any level below WARN: the base table with a filter on {@code level}; at most {@code max-pages-per-request}
 *   DynamoDB pages per key, after which the page comes back short with a cursor.</li>
 * </ul>
 * A write-sharded service ({@link BucketTables}, docs/scale.md) has several keys for each of these: every bucket
 * that can hold records of the window is read, the first page of each in parallel, and all of them are merged in
 * sort-key order, taking more pages of a key only when the merge reaches its end. Sort keys are unique within a
 * service, so a position (the last sort key served) continues every key at once, across bucket-count changes too,
 * and walking the cursors returns each record of the range once, in order.
 * Every read projects the attributes a record is made of ({@link LogItemMapper#READ_ATTRIBUTES}), so the
 * attributes the keys repeat and the index and TTL attributes are neither sent nor unmarshalled.
 */
@Singleton
public class LogRepository {
    public static final String LEVEL_INDEX = "level-index";
    /** Threads for the first pages of a sharded read, shared by every request. */
    private static final int READERS = 16;
    /** Items per page when counting; DynamoDB's 1 MB page limit usually stops a page first. */
    private static final int SCAN_PAGE = 1000;

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final int maxPages;
    private final BucketTables buckets;
    private final ExecutorService readers;
    private final RetentionTable retention;
    private final java.time.Clock clock;

    public LogRepository(DynamoDbClient dynamoDb, QuerySettings settings, BucketTables buckets,
                         RetentionTable retention, java.time.Clock clock) {
        this.dynamoDb = dynamoDb;
        this.retention = retention;
        this.clock = clock;
        this.table = settings.table();
        this.maxPages = settings.maxPagesPerRequest();
        this.buckets = buckets;
        AtomicInteger counter = new AtomicInteger();
        this.readers = Executors.newFixedThreadPool(READERS, runnable -> {
            Thread thread = new Thread(runnable, "bucket-reader-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * A page of records and the position to continue from, or null when the range is exhausted; {@code cut} when the
     * request's {@link ReadBudget} stopped the read (the records are still a correct prefix, and the position, null
     * only when nothing was read, continues after them).
     */
    public record Slice(List<LogRecord> records, String nextPosition, boolean cut) {
        Slice(List<LogRecord> records, String nextPosition) {
            this(records, nextPosition, false);
        }
    }

    /**
     * Every {@code Query} page is counted against {@code budget}; base-table reads stop when it is spent, except
     * for the first page of each key, which every answer needs.
     */
    public Slice find(LogQuery query, ReadBudget budget) {
        boolean onIndex = onIndex(query);
        return new Merge(query, sources(query), !onIndex && !query.levels().isEmpty(), !onIndex, budget).run();
    }

    /**
     * Hands every record of the query's window and levels to {@code visitor}, key by key in no particular order, a
     * large page at a time: for counting, which needs no merge. Returns false when the budget stopped it first.
     */
    public boolean forEach(LogQuery query, ReadBudget budget, Consumer<LogRecord> visitor) {
        for (Source source : sources(query)) {
            boolean filterLevels = !source.onIndex() && !query.levels().isEmpty();
            while (!source.exhausted) {
                if (!budget.take()) {
                    return false;
                }
                QueryRequest.Builder request = keyCondition(query, source.hashName, source.hashValue,
                        source.onIndex() ? LEVEL_INDEX : null).limit(SCAN_PAGE).exclusiveStartKey(source.start);
                if (filterLevels) {
                    addLevelFilter(request, query.levels());
                }
                QueryResponse response = dynamoDb.query(request.build());
                visible(response.items()).forEach(item -> visitor.accept(LogItemMapper.fromItem(item)));
                source.exhausted = !response.hasLastEvaluatedKey() || response.lastEvaluatedKey().isEmpty();
                source.start = response.lastEvaluatedKey();
            }
        }
        return true;
    }

    /** Every key a query reads: each bucket of the window, and on the index each level of each bucket. */
    private List<Source> sources(LogQuery query) {
        int count = buckets.of(query.service()).bucketsFor(query.from() == null ? 0 : query.from(),
                query.to() == null ? LogKeys.MAX_TS : query.to());
        List<Source> sources = new ArrayList<>();
        for (int bucket = 0; bucket < count; bucket++) {
            String pk = Buckets.partitionKey(query.service(), bucket);
            if (onIndex(query)) {
                for (LogLevel level : query.levels()) {
                    sources.add(new Source(LogItemMapper.LEVEL_KEY, Buckets.levelKey(query.service(), level, bucket),
                            pk, query.after()));
                }
            } else {
                sources.add(new Source(LogKeys.PK, pk, pk, query.after()));
            }
        }
        return sources;
    }

    private static boolean onIndex(LogQuery query) {
        return !query.levels().isEmpty()
                && query.levels().stream().allMatch(level -> LogItemMapper.levelKey(query.service(), level) != null);
    }

    /** One key's records (a bucket, or a level of a bucket on the index), a page at a time. */
    private static final class Source {
        private final String hashName;
        private final String hashValue;
        private final String tablePk;
        private final ArrayDeque<Map<String, AttributeValue>> buffer = new ArrayDeque<>();
        private Map<String, AttributeValue> start;
        /** The sort key up to which this key has been read (its last evaluated key), or the read's start. */
        private String examined;
        private boolean exhausted;
        private int pages;

        private Source(String hashName, String hashValue, String tablePk, String after) {
            this.hashName = hashName;
            this.hashValue = hashValue;
            this.tablePk = tablePk;
            this.examined = after;
            if (after != null) {
                start = LogKeys.PK.equals(hashName) ? Map.of(LogKeys.PK, s(hashValue), LogKeys.SK, s(after))
                        : Map.of(hashName, s(hashValue), LogKeys.SK, s(after), LogKeys.PK, s(tablePk));
            }
        }

        private boolean onIndex() {
            return !LogKeys.PK.equals(hashName);
        }

        private String head() {
            return buffer.peek().get(LogKeys.SK).s();
        }
    }

    /** One page's merge over its sources. */
    private final class Merge {
        private final LogQuery query;
        private final List<Source> sources;
        private final boolean filterLevels;
        /** Base-table reads stop at the budget and the page cap; index reads are bounded by the page size itself. */
        private final boolean capped;
        private final ReadBudget budget;
        private final Comparator<String> order;
        private final List<Map<String, AttributeValue>> out = new ArrayList<>();
        private boolean cut;

        private Merge(LogQuery query, List<Source> sources, boolean filterLevels, boolean capped, ReadBudget budget) {
            this.query = query;
            this.sources = sources;
            this.filterLevels = filterLevels;
            this.capped = capped;
            this.budget = budget;
            Comparator<String> natural = Comparator.naturalOrder();
            this.order = query.direction() == Direction.FORWARD ? natural : natural.reversed();
        }

        private Slice run() {
            firstPages();
            while (out.size() <= query.limit()) {
                Source next = null;
                for (Source source : sources) {
                    if (!fill(source)) {
                        return shortPage();
                    }
                    if (!source.buffer.isEmpty() && (next == null || order.compare(source.head(), next.head()) < 0)) {
                        next = source;
                    }
                }
                if (next == null) {
                    return new Slice(records(out), null);
                }
                out.add(next.buffer.poll());
            }
            List<Map<String, AttributeValue>> page = out.subList(0, query.limit());
            return new Slice(records(page), page.get(query.limit() - 1).get(LogKeys.SK).s());
        }

        /** The first page of every key, in parallel when there are several: no item can be placed before them. */
        private void firstPages() {
            if (sources.size() == 1) {
                return; // fill() reads it, within the budget, exactly as an unsharded read always has
            }
            List<CompletableFuture<Void>> calls = new ArrayList<>();
            for (Source source : sources) {
                if (!capped || !budget.take()) {
                    budget.spend();
                }
                calls.add(CompletableFuture.runAsync(() -> fetch(source), readers));
            }
            for (CompletableFuture<Void> call : calls) {
                try {
                    call.join();
                } catch (CompletionException e) {
                    throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
                }
            }
        }

        /** Makes the source's head known (or the source exhausted); false when the budget or the page cap stop it. */
        private boolean fill(Source source) {
            while (source.buffer.isEmpty() && !source.exhausted) {
                if (!source.onIndex() && source.pages >= maxPages) {
                    return false;
                }
                if (!capped) {
                    budget.spend();
                } else if (!budget.take()) {
                    cut = true;
                    return false;
                }
                fetch(source);
            }
            return true;
        }

        private void fetch(Source source) {
            int wanted = query.limit() + 1 - out.size();
            int share = sources.size() == 1 ? wanted : Math.min(wanted, (wanted * 3 + 1) / (2 * sources.size()) + 2);
            QueryRequest.Builder request = keyCondition(query, source.hashName, source.hashValue,
                    source.onIndex() ? LEVEL_INDEX : null)
                    .limit(filterLevels ? Math.max(query.limit() + 1, 200) : share)
                    .exclusiveStartKey(source.start);
            if (filterLevels) {
                addLevelFilter(request, query.levels());
            }
            QueryResponse response = dynamoDb.query(request.build());
            source.pages++;
            source.buffer.addAll(visible(response.items()));
            if (!response.hasLastEvaluatedKey() || response.lastEvaluatedKey().isEmpty()) {
                source.exhausted = true;
            } else {
                source.start = response.lastEvaluatedKey();
                source.examined = source.start.get(LogKeys.SK).s();
            }
        }

        /**
         * A page the budget or the page cap stopped: the records merged so far, and the furthest position up to which
         * every key is known, so that the next page neither skips nor repeats a record.
         */
        private Slice shortPage() {
            String last = out.isEmpty() ? query.after() : out.get(out.size() - 1).get(LogKeys.SK).s();
            String position = null;
            for (Source source : sources) {
                if (!source.exhausted && source.buffer.isEmpty()) {
                    if (source.examined == null) {
                        position = last;
                        break;
                    }
                    position = position == null || order.compare(source.examined, position) < 0 ? source.examined : position;
                }
            }
            for (Source source : sources) {
                if (position != null && !source.buffer.isEmpty() && order.compare(source.head(), position) <= 0) {
                    position = last; // an unmerged record lies before it
                }
            }
            if (position != null && last != null && order.compare(position, last) < 0) {
                position = last;
            }
            return new Slice(records(out), position, cut || position == null);
        }
    }

    private QueryRequest.Builder keyCondition(LogQuery query, String hashName, String hashValue, String index) {
        Map<String, String> names = new HashMap<>(LogItemMapper.READ_NAMES);
        Map<String, AttributeValue> values = new HashMap<>();
        names.put("#h", hashName);
        values.put(":h", s(hashValue));
        String condition = "#h = :h";
        if (query.from() != null || query.to() != null) {
            names.put("#s", LogKeys.SK);
        }
        if (query.from() != null && query.to() != null) {
            condition += " AND #s BETWEEN :lo AND :hi";
            values.put(":lo", s(LogKeys.lowerBound(query.from())));
            values.put(":hi", s(LogKeys.upperBound(query.to())));
        } else if (query.from() != null) {
            condition += " AND #s >= :lo";
            values.put(":lo", s(LogKeys.lowerBound(query.from())));
        } else if (query.to() != null) {
            condition += " AND #s <= :hi";
            values.put(":hi", s(LogKeys.upperBound(query.to())));
        }
        QueryRequest.Builder builder = QueryRequest.builder().tableName(table).keyConditionExpression(condition)
                .projectionExpression(LogItemMapper.READ_PROJECTION)
                .expressionAttributeNames(names).expressionAttributeValues(values)
                .scanIndexForward(query.direction() == Direction.FORWARD);
        return index == null ? builder : builder.indexName(index);
    }

    private static void addLevelFilter(QueryRequest.Builder request, Set<LogLevel> levels) {
        QueryRequest built = request.build();
        Map<String, String> names = new HashMap<>(built.expressionAttributeNames());
        Map<String, AttributeValue> values = new HashMap<>(built.expressionAttributeValues());
        names.put("#lvl", LogItemMapper.LEVEL);
        List<String> placeholders = new ArrayList<>();
        int i = 0;
        for (LogLevel level : levels) {
            String placeholder = ":lvl" + i++;
            placeholders.add(placeholder);
            values.put(placeholder, s(level.name()));
        }
        request.filterExpression("#lvl IN (" + String.join(", ", placeholders) + ")")
                .expressionAttributeNames(names).expressionAttributeValues(values);
    }

    /**
     * The items the retention rules in force let a read see (docs/retention.md): DynamoDB's TTL deletes late. All of
     * them, unread, when no rule expires anything (the default).
     */
    private List<Map<String, AttributeValue>> visible(List<Map<String, AttributeValue>> items) {
        io.logstream.model.Retention rules = retention.current();
        if (rules.expiresNothing()) {
            return items;
        }
        long now = clock.millis();
        List<Map<String, AttributeValue>> kept = new ArrayList<>(items.size());
        for (Map<String, AttributeValue> item : items) {
            String sk = item.get(LogKeys.SK).s();
            if (rules.visible(Buckets.serviceOf(item.get(LogKeys.PK).s()), LogLevel.valueOf(item.get(LogItemMapper.LEVEL).s()),
                    io.logstream.model.Counts.minuteEnd(LogKeys.tsOf(sk)), now)) {
                kept.add(item);
            }
        }
        return kept;
    }

    private static List<LogRecord> records(List<Map<String, AttributeValue>> items) {
        return items.stream().map(LogItemMapper::fromItem).toList();
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    @PreDestroy
    void stop() {
        readers.shutdownNow();
    }
}
