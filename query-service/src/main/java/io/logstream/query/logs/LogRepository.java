package io.logstream.query.logs;

import io.logstream.model.LogItemMapper;
import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.config.QuerySettings;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads pages of a service's logs with DynamoDB {@code Query} on the key scheme (never {@code Scan}).
 *
 * <ul>
 *   <li>No level filter: the base table, {@code pk = service} and the window on {@code sk}.</li>
 *   <li>Levels all WARN or above: the sparse {@code level-index} ({@code levelKey = service#LEVEL}), one query per
 *   level merged in sort-key order, so reading a service's errors never reads its INFO traffic.</li>
 *   <li>Any level below WARN: the base table with a filter on {@code level}; at most {@code max-pages-per-request}
 *   DynamoDB pages per request, after which the page comes back short with a cursor.</li>
 * </ul>
 * Every read projects the attributes a record is made of ({@link LogItemMapper#READ_ATTRIBUTES}), so the
 * attributes the keys repeat and the index and TTL attributes are neither sent nor unmarshalled.
 * Pages continue from a position (the last sort key served) through {@code ExclusiveStartKey}, so walking the cursors
 * returns each record of the range once, in order.
 */
@Singleton
public class LogRepository {
    public static final String LEVEL_INDEX = "level-index";

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final int maxPages;

    public LogRepository(DynamoDbClient dynamoDb, QuerySettings settings) {
        this.dynamoDb = dynamoDb;
        this.table = settings.table();
        this.maxPages = settings.maxPagesPerRequest();
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

    /** Every {@code Query} page is counted against {@code budget}; base-table reads stop when it is spent. */
    public Slice find(LogQuery query, ReadBudget budget) {
        if (query.levels().isEmpty()) {
            return fromBaseTable(query, false, budget);
        }
        if (query.levels().stream().allMatch(level -> LogItemMapper.levelKey(query.service(), level) != null)) {
            return fromLevelIndex(query, budget);
        }
        return fromBaseTable(query, true, budget);
    }

    private Slice fromBaseTable(LogQuery query, boolean filterLevels, ReadBudget budget) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = query.after() == null ? null
                : Map.of(LogKeys.PK, s(query.service()), LogKeys.SK, s(query.after()));
        for (int page = 0; ; page++) {
            if (!budget.take()) {
                return new Slice(records(items), start == null ? null : start.get(LogKeys.SK).s(), true);
            }
            QueryRequest.Builder request = keyCondition(query, LogKeys.PK, query.service(), null)
                    .limit(filterLevels ? Math.max(query.limit() + 1, 200) : query.limit() + 1 - items.size())
                    .exclusiveStartKey(start);
            if (filterLevels) {
                addLevelFilter(request, query.levels());
            }
            QueryResponse response = dynamoDb.query(request.build());
            for (Map<String, AttributeValue> item : response.items()) {
                items.add(item);
                if (items.size() > query.limit()) {
                    return fullPage(items, query.limit());
                }
            }
            if (!response.hasLastEvaluatedKey() || response.lastEvaluatedKey().isEmpty()) {
                return new Slice(records(items), null);
            }
            start = response.lastEvaluatedKey();
            if (page + 1 >= maxPages) {
                return new Slice(records(items), start.get(LogKeys.SK).s());
            }
        }
    }

    /**
     * Reads each level up to the page size whatever the budget says (counted, not cut: a cut here would leave no
     * correct prefix of the merge), so a request overshoots its budget by at most one such read.
     */
    private Slice fromLevelIndex(LogQuery query, ReadBudget budget) {
        List<Map<String, AttributeValue>> merged = new ArrayList<>();
        for (LogLevel level : query.levels()) {
            String levelKey = LogItemMapper.levelKey(query.service(), level);
            Map<String, AttributeValue> start = query.after() == null ? null : Map.of(
                    LogItemMapper.LEVEL_KEY, s(levelKey), LogKeys.SK, s(query.after()), LogKeys.PK, s(query.service()));
            int collected = 0;
            while (collected <= query.limit()) {
                budget.spend();
                QueryResponse response = dynamoDb.query(keyCondition(query, LogItemMapper.LEVEL_KEY, levelKey, LEVEL_INDEX)
                        .limit(query.limit() + 1 - collected).exclusiveStartKey(start).build());
                merged.addAll(response.items());
                collected += response.items().size();
                if (!response.hasLastEvaluatedKey() || response.lastEvaluatedKey().isEmpty()) {
                    break;
                }
                start = response.lastEvaluatedKey();
            }
        }
        Comparator<Map<String, AttributeValue>> bySortKey = Comparator.comparing(item -> item.get(LogKeys.SK).s());
        merged.sort(query.direction() == Direction.FORWARD ? bySortKey : bySortKey.reversed());
        if (merged.size() > query.limit()) {
            return fullPage(merged, query.limit());
        }
        return new Slice(records(merged), null);
    }

    /** {@code items} holds one more than the page: the page is full and more exist after its last item. */
    private static Slice fullPage(List<Map<String, AttributeValue>> items, int limit) {
        List<Map<String, AttributeValue>> page = items.subList(0, limit);
        return new Slice(records(page), page.get(limit - 1).get(LogKeys.SK).s());
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

    private static List<LogRecord> records(List<Map<String, AttributeValue>> items) {
        return items.stream().map(LogItemMapper::fromItem).toList();
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }
}
