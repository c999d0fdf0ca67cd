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
import software.amazon.awssdk.services.kinesis.KinesisClient;
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
public final class LocalAws implements AwsEngines, AutoCloseable {
    public static final String REGION = "us-east-2";
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

    @Override
    public Map<String, Object> serviceProperties() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("aws.region", REGION);
        properties.put("aws.services.kinesis.endpoint-override", kinesisEndpoint().toString());
        properties.put("aws.services.dynamodb.endpoint-override", dynamoDbEndpoint().toString());
        properties.put("aws.services.sqs.endpoint-override", sqsEndpoint().toString());
        properties.put("aws.services.eventbridge.endpoint-override", eventBridgeEndpoint().toString());
        properties.put("aws.services.cloudwatch.endpoint-override", eventBridgeEndpoint().toString());
        return properties;
    }

    @Override
    public synchronized KinesisClient kinesis() {
        if (kinesisClient == null) {
            kinesisClient = KinesisClient.builder().endpointOverride(kinesisEndpoint()).region(region())
                    .credentialsProvider(credentials()).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        }
        return kinesisClient;
    }

    @Override
    public synchronized DynamoDbClient dynamoDb() {
        if (dynamoDbClient == null) {
            dynamoDbClient = DynamoDbClient.builder().endpointOverride(dynamoDbEndpoint()).region(region())
                    .credentialsProvider(credentials()).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        }
        return dynamoDbClient;
    }

    @Override
    public synchronized SqsClient sqs() {
        if (sqsClient == null) {
            sqsClient = SqsClient.builder().endpointOverride(sqsEndpoint()).region(region())
                    .credentialsProvider(credentials()).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        }
        return sqsClient;
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
