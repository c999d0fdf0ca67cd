package io.logstream.localaws;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The per-key write limit on DynamoDB Local, answered as DynamoDB answers it: a batch partly over a key's limit
 * returns the rest unprocessed, one wholly over it fails with the throttling reason, and other keys are not held up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DynamoDbLimitProxyTest {
    private static final int LIMIT = 4;
    private final LocalAws aws = LocalAws.shared();
    private DynamoDbLimitProxy proxy;
    private DynamoDbClient client;

    @BeforeAll
    void start() throws Exception {
        aws.createLogsTable("limited");
        proxy = new DynamoDbLimitProxy(aws, LIMIT);
        client = DynamoDbClient.builder().endpointOverride(proxy.endpoint()).region(aws.region())
                .credentialsProvider(aws.credentials()).httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(c -> c.retryPolicy(RetryPolicy.none())).build();
    }

    @AfterAll
    void stop() {
        client.close();
        proxy.close();
    }

    /** Items of about 1.5 KB, two write units each; {@code levelKey} projects them into the level index. */
    private static List<WriteRequest> items(String pk, String levelKey, int count) {
        List<WriteRequest> writes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, AttributeValue> item = new java.util.HashMap<>(Map.of("pk", AttributeValue.fromS(pk),
                    "sk", AttributeValue.fromS(String.format("%013d#%d", i, System.nanoTime())),
                    "message", AttributeValue.fromS("x".repeat(1500))));
            if (levelKey != null) {
                item.put("levelKey", AttributeValue.fromS(levelKey));
            }
            writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
        }
        return writes;
    }

    private BatchWriteItemResponse write(List<WriteRequest> writes) {
        return client.batchWriteItem(b -> b.requestItems(Map.of("limited", writes)));
    }

    private int stored(String pk) {
        return aws.dynamoDb().query(b -> b.tableName("limited").keyConditionExpression("pk = :pk")
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk)))).count();
    }

    @Test
    void aKeyPastItsLimitGetsItsItemsBackUnprocessedThenAThrottlingError() {
        BatchWriteItemResponse first = write(items("hot", null, 25));
        // 4 units of burst, 2 units an item: 2 in, 23 back (one more in if a refill came meanwhile)
        int unprocessed = first.unprocessedItems().getOrDefault("limited", List.of()).size();
        assertThat(unprocessed).isBetween(22, 23);
        assertThat(stored("hot")).isEqualTo(25 - unprocessed);

        assertThatThrownBy(() -> write(items("hot", null, 25)))
                .isInstanceOfSatisfying(ProvisionedThroughputExceededException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.throttlingReasons()).hasSize(1);
                    assertThat(e.throttlingReasons().get(0).reason()).isEqualTo("TableWriteKeyRangeThroughputExceeded");
                    assertThat(e.throttlingReasons().get(0).resource()).endsWith(":table/limited");
                });
        assertThat(stored("hot")).isEqualTo(25 - unprocessed);

        // another key is not held up by the hot one
        assertThat(write(items("cold", null, 2)).unprocessedItems()).isEmpty();
        assertThat(stored("cold")).isEqualTo(2);
        assertThat(proxy.units()).containsEntry("limited cold", 4L);
    }

    @Test
    void anItemsFirstWriteIsKeptThroughARewriteAndAThrottledItemIsNotWritten() throws Exception {
        List<WriteRequest> once = items("first-write", null, 1);
        String sk = once.get(0).putRequest().item().get("sk").s();
        assertThat(proxy.firstWrittenAt("limited", "first-write", sk)).isNull();
        long before = System.currentTimeMillis();
        assertThat(write(once).unprocessedItems()).isEmpty();
        Long first = proxy.firstWrittenAt("limited", "first-write", sk);
        assertThat(first).isBetween(before, System.currentTimeMillis());
        Thread.sleep(1100); // the key's bucket refills
        assertThat(write(once).unprocessedItems()).isEmpty();
        assertThat(proxy.firstWrittenAt("limited", "first-write", sk)).as("a rewrite does not move it").isEqualTo(first);

        List<WriteRequest> burst = items("first-throttled", null, 25);
        List<WriteRequest> back = write(burst).unprocessedItems().getOrDefault("limited", List.of());
        assertThat(back).isNotEmpty();
        for (WriteRequest refused : back) {
            assertThat(proxy.firstWrittenAt("limited", "first-throttled", refused.putRequest().item().get("sk").s()))
                    .as("handed back unprocessed: not written").isNull();
        }
        assertThat(burst.stream().filter(w -> proxy.firstWrittenAt("limited", "first-throttled",
                w.putRequest().item().get("sk").s()) != null).count()).isEqualTo(25 - back.size());
    }

    @Test
    void anIndexKeyPastItsLimitThrottlesTheBaseTableWriteToo() {
        List<WriteRequest> spread = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            spread.addAll(items("spread-" + i, "storm#ERROR", 1));
        }
        BatchWriteItemResponse response = write(spread);
        int unprocessed = response.unprocessedItems().getOrDefault("limited", List.of()).size();
        assertThat(unprocessed).as("25 keys of the table, one key of the index").isBetween(22, 23);
        assertThatThrownBy(() -> write(items("spread-x", "storm#ERROR", 5)))
                .isInstanceOfSatisfying(ProvisionedThroughputExceededException.class, e ->
                        assertThat(e.throttlingReasons().get(0).reason())
                                .isEqualTo("IndexWriteKeyRangeThroughputExceeded"));
        assertThat(stored("spread-x")).isZero();
    }

    @Test
    void writeUnitsRoundUpPerStartedKilobyte() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(DynamoDbLimitProxy.units(json.readTree("{\"pk\":{\"S\":\"a\"}}"))).isEqualTo(1);
        assertThat(DynamoDbLimitProxy.units(json.readTree("{\"pk\":{\"S\":\"" + "x".repeat(1022) + "\"}}")))
                .as("2 + 1022 bytes: one KB").isEqualTo(1);
        assertThat(DynamoDbLimitProxy.units(json.readTree("{\"pk\":{\"S\":\"" + "x".repeat(1023) + "\"}}")))
                .as("2 + 1023 bytes: a second KB started").isEqualTo(2);
        assertThat(DynamoDbLimitProxy.itemBytes(json.readTree("{\"n\":{\"N\":\"12345\"},\"m\":{\"M\":{\"k\":{\"BOOL\":true}}}}")))
                .as("n: 1 + 4; m: 1 + 3 + (1 + 1) + 1").isEqualTo(12);
    }
}
