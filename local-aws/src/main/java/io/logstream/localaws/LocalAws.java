package io.logstream.localaws;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The AWS side of log-stream on loopback, without Docker: a Kinesis engine (node child process), DynamoDB Local and
 * ElasticMQ (SQS) in this JVM, and an EventBridge endpoint ({@link EventBridgeStub}). Everything listens on free
 * ports and is torn down by {@link #close()}, by a shutdown hook, or (the node process) when this JVM dies.
 */
public final class LocalAws implements AutoCloseable {
    public static final String REGION = "us-east-2";
    /** Name of the sparse level index on the logs table (see {@code LogItemMapper#LEVEL_KEY}). */
    public static final String LEVEL_INDEX = "level-index";
    public static final String LEASE_OWNER_INDEX = "LeaseOwnerToLeaseKeyIndex";
    private static final Logger LOG = LoggerFactory.getLogger(LocalAws.class);

    private final KinesisEngine kinesis;
    private final DynamoDBProxyServer dynamo;
    private final int dynamoPort;
    private final SQSRestServer sqs;
    private final int sqsPort;
    private final EventBridgeStub eventBridge;
    private final Thread shutdownHook = new Thread(this::closeServers, "local-aws-shutdown");
    private KinesisClient kinesisClient;
    private DynamoDbClient dynamoDbClient;
    private SqsClient sqsClient;
    private boolean closed;

    private LocalAws(KinesisEngine kinesis, DynamoDBProxyServer dynamo, int dynamoPort, SQSRestServer sqs, int sqsPort,
                     EventBridgeStub eventBridge) {
        this.kinesis = kinesis;
        this.dynamo = dynamo;
        this.dynamoPort = dynamoPort;
        this.sqs = sqs;
        this.sqsPort = sqsPort;
        this.eventBridge = eventBridge;
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    private static LocalAws shared;

    public static LocalAws start() {
        return start(KinesisEngine.Kind.KINESIS_MOCK);
    }

    /**
     * One set of engines for a whole test JVM, started on first use and stopped by the shutdown hook; tests keep
     * apart by naming their own streams, tables and queues.
     */
    public static synchronized LocalAws shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    public static LocalAws start(KinesisEngine.Kind kinesisKind) {
        long started = System.nanoTime();
        Path logDir = logDirectory();
        KinesisEngine kinesis = KinesisEngine.start(kinesisKind, logDir.resolve("kinesis-engine.log"));
        try {
            int dynamoPort = FreePorts.next();
            DynamoDBProxyServer dynamo = ServerRunner.createServerFromCommandLineArgs(new String[]{
                    "-inMemory", "-sharedDb", "-port", Integer.toString(dynamoPort), "-disableTelemetry"});
            dynamo.start();
            int sqsPort = FreePorts.next();
            SQSRestServer sqs = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(sqsPort).start();
            sqs.waitUntilStarted();
            EventBridgeStub eventBridge = new EventBridgeStub();
            LocalAws aws = new LocalAws(kinesis, dynamo, dynamoPort, sqs, sqsPort, eventBridge);
            LOG.info("local AWS up in {} ms: kinesis {} dynamodb {} sqs {} eventbridge {}",
                    Duration.ofNanos(System.nanoTime() - started).toMillis(), aws.kinesisEndpoint(),
                    aws.dynamoDbEndpoint(), aws.sqsEndpoint(), aws.eventBridgeEndpoint());
            return aws;
        } catch (Exception e) {
            kinesis.close();
            throw new IllegalStateException("local AWS did not start", e);
        }
    }

    public URI kinesisEndpoint() {
        return kinesis.endpoint();
    }

    public URI dynamoDbEndpoint() {
        return URI.create("http://127.0.0.1:" + dynamoPort);
    }

    public int dynamoDbPort() {
        return dynamoPort;
    }

    public URI sqsEndpoint() {
        return URI.create("http://127.0.0.1:" + sqsPort);
    }

    public URI eventBridgeEndpoint() {
        return eventBridge.endpoint();
    }

    public EventBridgeStub eventBridge() {
        return eventBridge;
    }

    public KinesisEngine.Kind kinesisKind() {
        return kinesis.kind();
    }

    public Region region() {
        return Region.of(REGION);
    }

    public AwsCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
    }

    /** Configuration for a log-stream service pointed at these engines (Micronaut property names). */
    public Map<String, Object> serviceProperties() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("aws.region", REGION);
        properties.put("aws.endpoints.kinesis", kinesisEndpoint().toString());
        properties.put("aws.endpoints.dynamodb", dynamoDbEndpoint().toString());
        properties.put("aws.endpoints.sqs", sqsEndpoint().toString());
        properties.put("aws.endpoints.eventbridge", eventBridgeEndpoint().toString());
        properties.put("aws.endpoints.cloudwatch", eventBridgeEndpoint().toString());
        return properties;
    }

    public synchronized KinesisClient kinesis() {
        if (kinesisClient == null) {
            kinesisClient = KinesisClient.builder().endpointOverride(kinesisEndpoint()).region(region())
                    .credentialsProvider(credentials()).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        }
        return kinesisClient;
    }

    public synchronized DynamoDbClient dynamoDb() {
        if (dynamoDbClient == null) {
            dynamoDbClient = DynamoDbClient.builder().endpointOverride(dynamoDbEndpoint()).region(region())
                    .credentialsProvider(credentials()).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        }
        return dynamoDbClient;
    }

    public synchronized SqsClient sqs() {
        if (sqsClient == null) {
            sqsClient = SqsClient.builder().endpointOverride(sqsEndpoint()).region(region())
                    .credentialsProvider(credentials()).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        }
        return sqsClient;
    }

    /** Creates a stream and waits until it is ACTIVE. */
    public void createStream(String name, int shards) {
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
    public void createLogsTable(String name) {
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
    public void createLeaseTable(String applicationName) {
        dynamoDb().createTable(b -> b.tableName(applicationName).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attribute("leaseKey"), attribute("leaseOwner"))
                .keySchema(key("leaseKey", KeyType.HASH))
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName(LEASE_OWNER_INDEX)
                        .keySchema(key("leaseOwner", KeyType.HASH), key("leaseKey", KeyType.RANGE))
                        .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build()).build()));
        dynamoDb().waiter().waitUntilTableExists(b -> b.tableName(applicationName));
    }

    /** Creates an SQS queue and returns its URL. */
    public String createQueue(String name) {
        return sqs().createQueue(b -> b.queueName(name)).queueUrl();
    }

    private static AttributeDefinition attribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    private static Path logDirectory() {
        try {
            Path dir = Path.of("target", "local-aws");
            Files.createDirectories(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        closeServers();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void closeServers() {
        if (closed) {
            return;
        }
        closed = true;
        for (AutoCloseable client : new AutoCloseable[]{kinesisClient, dynamoDbClient, sqsClient}) {
            closeQuietly(client);
        }
        closeQuietly(eventBridge);
        closeQuietly(sqs::stopAndWait);
        closeQuietly(dynamo::stop);
        closeQuietly(kinesis);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.warn("while stopping local AWS: {}", e.toString());
        }
    }
}
