package io.logstream.localaws;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LocalStack in a container, through Testcontainers' {@link LocalStackContainer}: Kinesis, DynamoDB, SQS and
 * EventBridge of one engine, as the user's own stack runs them.
 * <p>
 * The image is {@value #PROJECT_IMAGE} by default, built locally from package registries by
 * {@code scripts/build-images.sh localstack} and declared a compatible substitute for {@code localstack/localstack},
 * so Testcontainers finds it locally and never pulls. {@code -Dlocalstack.image=…} or {@code LOCALSTACK_IMAGE=…}
 * chooses another, e.g. the official {@code localstack/localstack:4.14.0} on a machine that can pull it.
 */
public final class LocalStack implements AwsEngines, AutoCloseable {
    public static final String PROJECT_IMAGE = "log-stream/localstack:4.14.0";

    private final URI endpoint;
    private final String region;
    private final String accessKey;
    private final String secretKey;
    private final List<AutoCloseable> clients = new ArrayList<>();
    private KinesisClient kinesis;
    private DynamoDbClient dynamoDb;
    private SqsClient sqs;
    private EventBridgeClient eventBridge;

    /** LocalStack in a container Testcontainers started. */
    public LocalStack(LocalStackContainer container) {
        this(container.getEndpoint(), container.getRegion(), container.getAccessKey(), container.getSecretKey());
    }

    /** LocalStack at an endpoint (e.g. a container started by a script), with any credentials it accepts. */
    public LocalStack(URI endpoint, String region, String accessKey, String secretKey) {
        this.endpoint = endpoint;
        this.region = region;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** The image the suite runs: the system property, else the environment, else the project's own build. */
    public static String image() {
        String image = System.getProperty("localstack.image");
        if (image == null || image.isBlank()) {
            image = System.getenv("LOCALSTACK_IMAGE");
        }
        return image == null || image.isBlank() ? PROJECT_IMAGE : image;
    }

    /** A container of {@link #image()}, port 4566 published on 127.0.0.1 only, its log to the "localstack" logger. */
    @SuppressWarnings("resource")
    public static LocalStackContainer newContainer() {
        return new LocalStackContainer(DockerImageName.parse(image()).asCompatibleSubstituteFor("localstack/localstack"))
                .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("localstack")))
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        .withPublishAllPorts(false)
                        .withPortBindings(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(4566))));
    }

    public Region region() {
        return Region.of(region);
    }

    @Override
    public synchronized KinesisClient kinesis() {
        if (kinesis == null) {
            kinesis = client(KinesisClient.builder());
        }
        return kinesis;
    }

    @Override
    public synchronized DynamoDbClient dynamoDb() {
        if (dynamoDb == null) {
            dynamoDb = client(DynamoDbClient.builder());
        }
        return dynamoDb;
    }

    @Override
    public synchronized SqsClient sqs() {
        if (sqs == null) {
            sqs = client(SqsClient.builder());
        }
        return sqs;
    }

    public synchronized EventBridgeClient eventBridge() {
        if (eventBridge == null) {
            eventBridge = client(EventBridgeClient.builder());
        }
        return eventBridge;
    }

    /** Every client of a service pointed at LocalStack's single endpoint (micronaut-aws-sdk-v2's property names). */
    @Override
    public Map<String, Object> serviceProperties() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("aws.region", region);
        for (String service : List.of("kinesis", "dynamodb", "sqs", "eventbridge", "cloudwatch")) {
            properties.put("aws.services." + service + ".endpoint-override", endpoint.toString());
        }
        return properties;
    }

    public void createEventBus(String name) {
        eventBridge().createEventBus(b -> b.name(name));
    }

    /**
     * A rule on {@code eventBus} with the event pattern {@code terraform/} declares
     * ({@code terraform/event-patterns/log-error.json}), targeting a new SQS queue; returns the queue's URL.
     */
    public String routeLogErrorsToQueue(String eventBus, String ruleName, String queueName) {
        String queueUrl = createQueue(queueName);
        String queueArn = sqs().getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        eventBridge().putRule(b -> b.eventBusName(eventBus).name(ruleName).eventPattern(logErrorEventPattern()));
        eventBridge().putTargets(b -> b.eventBusName(eventBus).rule(ruleName)
                .targets(Target.builder().id("queue").arn(queueArn).build()));
        return queueUrl;
    }

    /** The LogError rule's event pattern, read from the Terraform module that deploys it. */
    public static String logErrorEventPattern() {
        Path file = terraformDirectory().resolve("event-patterns").resolve("log-error.json");
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the rule's event pattern " + file, e);
        }
    }

    private static Path terraformDirectory() {
        String configured = System.getProperty("logstream.terraform.dir");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("terraform").resolve("event-patterns"))) {
                return dir.resolve("terraform");
            }
        }
        throw new IllegalStateException("terraform/ not found above " + Path.of("").toAbsolutePath());
    }

    private <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C extends AutoCloseable> C client(B builder) {
        C client = builder.endpointOverride(endpoint).region(region())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
        clients.add(client);
        return client;
    }

    /** Closes the clients; the container is stopped by its owner (the Testcontainers extension or a script). */
    @Override
    public synchronized void close() {
        for (AutoCloseable client : clients) {
            try {
                client.close();
            } catch (Exception ignored) {
                // closing a client of a stopped container
            }
        }
        clients.clear();
    }
}
