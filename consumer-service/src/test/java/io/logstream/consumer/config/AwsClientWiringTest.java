package io.logstream.consumer.config;

import io.logstream.consumer.ConsumerHarness;
import io.logstream.localaws.LocalAws;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.awscore.AwsServiceClientConfiguration;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every AWS client of a running consumer: micronaut-aws-sdk-v2 built DynamoDB and SQS, the project's factory the
 * rest, each with the endpoint its {@code aws.services.<service>.endpoint-override} names, the region of
 * {@code aws.region}, and the retry policy {@link AwsClientTuning} documents (the listeners ran on the module's
 * builders).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AwsClientWiringTest {
    private final ConsumerHarness<LocalAws> harness = ConsumerHarness.local(1);
    private ApplicationContext consumer;

    @BeforeAll
    void start() {
        consumer = harness.startConsumer();
    }

    @AfterAll
    void stop() {
        harness.close();
    }

    private URI endpoint(String service) {
        return URI.create(harness.aws.serviceProperties().get("aws.services." + service + ".endpoint-override")
                .toString());
    }

    private static ClientOverrideConfiguration overrides(SdkClient client) {
        return client.serviceClientConfiguration().overrideConfiguration();
    }

    private void assertClient(SdkClient client, String service, int attempts, Duration attempt, Duration call) {
        var configuration = client.serviceClientConfiguration();
        assertThat(configuration.endpointOverride()).as(service).contains(endpoint(service));
        assertThat(((AwsServiceClientConfiguration) configuration).region().id()).as(service).isEqualTo(LocalAws.REGION);
        assertThat(overrides(client).retryStrategy()).as(service).hasValueSatisfying(strategy ->
                assertThat(strategy.maxAttempts()).as(service).isEqualTo(attempts));
        assertThat(overrides(client).apiCallAttemptTimeout()).as(service).contains(attempt);
        assertThat(overrides(client).apiCallTimeout()).as(service).contains(call);
    }

    @Test
    void pipelineClientsMakeOneAttemptAndKclClientsKeepThree() {
        Duration five = Duration.ofSeconds(AwsClientTuning.PIPELINE_ATTEMPT_SECONDS);
        assertClient(consumer.getBean(DynamoDbClient.class), "dynamodb", 1, five, five);
        assertClient(consumer.getBean(SqsClient.class), "sqs", 1, five, five);
        assertClient(consumer.getBean(EventBridgeClient.class), "eventbridge", 1, five, five);
        assertClient(consumer.getBean(CloudWatchAsyncClient.class), "cloudwatch", 1, five, five);
        assertClient(consumer.getBean(DynamoDbAsyncClient.class), "dynamodb", AwsClientTuning.KCL_ATTEMPTS,
                Duration.ofSeconds(2), Duration.ofSeconds(5));
        assertClient(consumer.getBean(KinesisAsyncClient.class), "kinesis", AwsClientTuning.KCL_ATTEMPTS,
                Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    @Test
    void withFanOutTheKinesisClientKeepsItsRetriesButHasNoCallTimeoutToCutASubscriptionShort() {
        ApplicationContext fanOut = harness.startConsumer(java.util.Map.of("log-stream.kcl.retrieval", "fanout"));
        ClientOverrideConfiguration kinesis = overrides(fanOut.getBean(KinesisAsyncClient.class));
        assertThat(kinesis.retryStrategy()).hasValueSatisfying(strategy ->
                assertThat(strategy.maxAttempts()).isEqualTo(AwsClientTuning.KCL_ATTEMPTS));
        assertThat(kinesis.apiCallAttemptTimeout()).isEmpty();
        assertThat(kinesis.apiCallTimeout()).isEmpty();
        harness.stop(fanOut);
    }

    @Test
    void theModuleBuiltTheDynamoDbAndSqsClients() {
        // the module's builder beans exist, and the clients the harness uses are the ones they built
        assertThat(consumer.getBeansOfType(software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder.class))
                .hasSize(1);
        assertThat(consumer.getBeansOfType(software.amazon.awssdk.services.sqs.SqsClientBuilder.class)).hasSize(1);
        assertThat(consumer.getBeansOfType(DynamoDbClient.class)).hasSize(1);
        assertThat(consumer.getBeansOfType(SqsClient.class)).hasSize(1);
    }
}
