package io.logstream.consumer.config;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Property;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.kinesis.common.KinesisClientUtil;

import java.net.URI;
import java.time.Duration;

/**
 * The AWS SDK clients as beans, closed on shutdown. Region from {@code aws.region} (AWS_REGION); an endpoint from
 * {@code aws.endpoints.<service>} when set (local engines), otherwise the SDK's own resolution, which also honours
 * AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_&lt;SERVICE&gt;. Credentials come from the SDK's default chain.
 */
@Factory
public class AwsClientFactory {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(5);

    private final Region region;
    private final String kinesisEndpoint;
    private final String dynamoDbEndpoint;
    private final String cloudWatchEndpoint;
    private final String eventBridgeEndpoint;
    private final String sqsEndpoint;

    public AwsClientFactory(@Property(name = "aws.region") String region,
                            @Property(name = "aws.endpoints.kinesis") @Nullable String kinesisEndpoint,
                            @Property(name = "aws.endpoints.dynamodb") @Nullable String dynamoDbEndpoint,
                            @Property(name = "aws.endpoints.cloudwatch") @Nullable String cloudWatchEndpoint,
                            @Property(name = "aws.endpoints.eventbridge") @Nullable String eventBridgeEndpoint,
                            @Property(name = "aws.endpoints.sqs") @Nullable String sqsEndpoint) {
        this.region = Region.of(region);
        this.kinesisEndpoint = kinesisEndpoint;
        this.dynamoDbEndpoint = dynamoDbEndpoint;
        this.cloudWatchEndpoint = cloudWatchEndpoint;
        this.eventBridgeEndpoint = eventBridgeEndpoint;
        this.sqsEndpoint = sqsEndpoint;
    }

    @Singleton
    @Bean(preDestroy = "close")
    KinesisAsyncClient kinesisAsyncClient(KclSettings kcl) {
        var builder = KinesisAsyncClient.builder();
        if (!kcl.http2()) {
            // kinesalite (the throughput engine) refuses cleartext HTTP/2
            builder.httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1)
                    .maxConcurrency(Integer.MAX_VALUE));
            return configure(builder, kinesisEndpoint).build();
        }
        return configure(KinesisClientUtil.adjustKinesisClientBuilder(builder), kinesisEndpoint).build();
    }

    @Singleton
    @Bean(preDestroy = "close")
    DynamoDbAsyncClient dynamoDbAsyncClient() {
        return configure(DynamoDbAsyncClient.builder(), dynamoDbEndpoint).build();
    }

    @Singleton
    @Bean(preDestroy = "close")
    DynamoDbClient dynamoDbClient(PipelineSettings settings) {
        return configure(DynamoDbClient.builder(), dynamoDbEndpoint)
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(Math.max(50, settings.storeWriters() * 2)))
                .overrideConfiguration(timeouts())
                .build();
    }

    @Singleton
    @Bean(preDestroy = "close")
    CloudWatchAsyncClient cloudWatchAsyncClient() {
        // required by KCL's ConfigsBuilder; metrics go to Micrometer, so nothing is sent with it
        return configure(CloudWatchAsyncClient.builder(), cloudWatchEndpoint).build();
    }

    @Singleton
    @Bean(preDestroy = "close")
    EventBridgeClient eventBridgeClient() {
        return configure(EventBridgeClient.builder(), eventBridgeEndpoint)
                .httpClientBuilder(ApacheHttpClient.builder()).overrideConfiguration(timeouts()).build();
    }

    @Singleton
    @Bean(preDestroy = "close")
    SqsClient sqsClient() {
        return configure(SqsClient.builder(), sqsEndpoint)
                .httpClientBuilder(ApacheHttpClient.builder()).overrideConfiguration(timeouts()).build();
    }

    private static ClientOverrideConfiguration timeouts() {
        return ClientOverrideConfiguration.builder().apiCallTimeout(CALL_TIMEOUT)
                .apiCallAttemptTimeout(ATTEMPT_TIMEOUT).build();
    }

    private <B extends AwsClientBuilder<B, ?>> B configure(B builder, String endpoint) {
        builder.region(region).credentialsProvider(DefaultCredentialsProvider.builder().build());
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return builder;
    }
}
