package io.logstream.localaws;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.time.Duration;
import java.util.Map;

/**
 * AWS-compatible engines a test runs log-stream against: the in-JVM engines of {@link LocalAws}, or LocalStack in a
 * container ({@link LocalStack}). Clients for the test's own side, the services' configuration, and the resources
 * as the Terraform declares them.
 */
public interface AwsEngines {
    /** Name of the sparse level index on the logs table (see {@code LogItemMapper#LEVEL_KEY}). */
    String LEVEL_INDEX = "level-index";
    String LEASE_OWNER_INDEX = "LeaseOwnerToLeaseKeyIndex";

    KinesisClient kinesis();

    DynamoDbClient dynamoDb();

    SqsClient sqs();

    /** Configuration for a log-stream service pointed at these engines (Micronaut property names). */
    Map<String, Object> serviceProperties();

    /** Creates a stream and waits until it is ACTIVE. */
    default void createStream(String name, int shards) {
        kinesis().createStream(b -> b.streamName(name).shardCount(shards));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (kinesis().describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().streamStatus()
                != StreamStatus.ACTIVE) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("stream " + name + " did not become ACTIVE");
            }
            FreePorts.sleep(50);
        }
    }

    /** The logs table as the Terraform declares it: pk/sk, on-demand, the sparse level index. */
    default void createLogsTable(String name) {
        dynamoDb().createTable(b -> b.tableName(name).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attribute("pk"), attribute("sk"), attribute("levelKey"))
                .keySchema(key("pk", KeyType.HASH), key("sk", KeyType.RANGE))
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName(LEVEL_INDEX)
                        .keySchema(key("levelKey", KeyType.HASH), key("sk", KeyType.RANGE))
                        .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build()));
        dynamoDb().waiter().waitUntilTableExists(b -> b.tableName(name));
    }

    /**
     * KCL's lease table as KCL 3 creates it, index included. Creating it up front spares KCL a fixed 10 s wait for
     * the index to turn ACTIVE, which DynamoDB Local never reports for an index added by KCL itself.
     */
    default void createLeaseTable(String applicationName) {
        dynamoDb().createTable(b -> b.tableName(applicationName).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attribute("leaseKey"), attribute("leaseOwner"))
                .keySchema(key("leaseKey", KeyType.HASH))
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName(LEASE_OWNER_INDEX)
                        .keySchema(key("leaseOwner", KeyType.HASH), key("leaseKey", KeyType.RANGE))
                        .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build()).build()));
        dynamoDb().waiter().waitUntilTableExists(b -> b.tableName(applicationName));
    }

    /** Creates an SQS queue and returns its URL. */
    default String createQueue(String name) {
        return sqs().createQueue(b -> b.queueName(name)).queueUrl();
    }

    private static AttributeDefinition attribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
