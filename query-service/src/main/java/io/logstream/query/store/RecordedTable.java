package io.logstream.query.store;

import io.logstream.model.LogKeys;
import io.logstream.query.config.QuerySettings;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Samples of recording rules the counts cannot answer, as their evaluation wrote them: {@code pk = #recorded#<name>},
 * {@code sk = <13-digit evaluation instant in epoch millis>#<labels>}, with the labels and the value. The key is a
 * pure function of the rule, the instant and the series, so an instant evaluated twice (a takeover) overwrites itself.
 * Each evaluation also writes a marker, {@code sk = <instant>#}, so that a reader knows a series absent at an
 * evaluation was absent (Prometheus's staleness), not merely unwritten.
 */
@Singleton
public class RecordedTable {
    /** One sample of a recorded series. */
    public record Sample(long millis, Map<String, String> labels, double value) {
    }

    private final DynamoDbClient dynamoDb;
    private final String table;

    public RecordedTable(DynamoDbClient dynamoDb, QuerySettings query) {
        this.dynamoDb = dynamoDb;
        this.table = query.table();
    }

    private static String pad(long millis) {
        return String.format("%013d", millis);
    }

    static String pk(String record) {
        return "#recorded#" + record;
    }

    /** What a read found: the evaluation instants (epoch millis, ascending) and their samples, in time order. */
    public record Evaluations(List<Long> instants, List<Sample> samples) {
    }

    /** Writes an evaluation at {@code millis}: its marker and its samples, 25 per call, until every one is taken. */
    public void write(String record, long millis, List<Sample> samples) {
        List<WriteRequest> writes = new ArrayList<>();
        writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(Map.of(
                LogKeys.PK, AttributeValue.fromS(pk(record)),
                LogKeys.SK, AttributeValue.fromS(pad(millis) + "#"))).build()).build());
        for (Sample sample : samples) {
            Map<String, AttributeValue> labels = new TreeMap<>();
            sample.labels().forEach((k, v) -> labels.put(k, AttributeValue.fromS(v)));
            Map<String, AttributeValue> item = new HashMap<>();
            item.put(LogKeys.PK, AttributeValue.fromS(pk(record)));
            item.put(LogKeys.SK, AttributeValue.fromS(pad(sample.millis()) + "#" + labels));
            item.put("labels", AttributeValue.fromM(labels));
            item.put("value", AttributeValue.fromS(Double.toString(sample.value())));
            writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
        }
        for (int i = 0; i < writes.size(); i += 25) {
            List<WriteRequest> batch = writes.subList(i, Math.min(writes.size(), i + 25));
            while (!batch.isEmpty()) {
                List<WriteRequest> call = batch;
                BatchWriteItemResponse response = dynamoDb.batchWriteItem(b -> b.requestItems(Map.of(table, call)));
                batch = response.unprocessedItems().getOrDefault(table, List.of());
            }
        }
    }

    /** The evaluations of {@code record} in [fromMillis, toMillis]. */
    public Evaluations read(String record, long fromMillis, long toMillis, ReadBudget budget) {
        List<Sample> out = new ArrayList<>();
        List<Long> instants = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            var response = dynamoDb.query(b -> b.tableName(table)
                    .keyConditionExpression("#pk = :pk AND #sk BETWEEN :from AND :to")
                    .expressionAttributeNames(Map.of("#pk", LogKeys.PK, "#sk", LogKeys.SK))
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk(record)),
                            ":from", AttributeValue.fromS(pad(fromMillis) + "#"),
                            ":to", AttributeValue.fromS(pad(toMillis) + "#\uffff")))
                    .exclusiveStartKey(from));
            budget.spend();
            for (Map<String, AttributeValue> item : response.items()) {
                long at = Long.parseLong(item.get(LogKeys.SK).s().substring(0, 13));
                if (!item.containsKey("labels")) {
                    instants.add(at);
                    continue;
                }
                Map<String, String> labels = new TreeMap<>();
                item.get("labels").m().forEach((k, v) -> labels.put(k, v.s()));
                out.add(new Sample(at, labels, Double.parseDouble(item.get("value").s())));
            }
            start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                    ? response.lastEvaluatedKey() : null;
        } while (start != null);
        return new Evaluations(instants, out);
    }
}
