package io.logstream.consumer.config;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Property;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
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
 * AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_&lt;SERVICE&gt;. Credentials come from the SDK's default chain. Retries and
 * timeouts are explicit per client so that they add up (docs/consumer.md, "Retries and timeouts"):
 * <ul>
 *   <li>the pipeline's own calls (BatchWriteItem, PutEvents, SendMessage, and the health probes) make exactly one
 *   attempt per SDK call, bounded by {@value #PIPELINE_ATTEMPT_SECONDS} s: the pipeline's retry loop (backoff with
 *   full jitter, in place) is the only retry, so nothing multiplies it;</li>
 *   <li>KCL's own clients (Kinesis, the lease table) keep a standard strategy of {@value #KCL_ATTEMPTS} attempts, because
 *   KCL treats a failed lease renewal or shard sync as a lost round: one quick SDK retry saves a lease.</li>
 * </ul>
 */
@Factory
public class AwsClientFactory {
    static final int PIPELINE_ATTEMPT_SECONDS = 5;
    static final int KCL_ATTEMPTS = 3;
    private static final Duration PIPELINE_TIMEOUT = Duration.ofSeconds(PIPELINE_ATTEMPT_SECONDS);

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
        // GetRecords of up to 10,000 records (10 MB) gets 10 s an attempt
        builder.overrideConfiguration(kclOwned(Duration.ofSeconds(10), Duration.ofSeconds(30)));
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
        // KCL's lease table: a renewal has to land well inside the failover time
        return configure(DynamoDbAsyncClient.builder(), dynamoDbEndpoint)
                .overrideConfiguration(kclOwned(Duration.ofSeconds(2), Duration.ofSeconds(5))).build();
    }

    @Singleton
    @Bean(preDestroy = "close")
    DynamoDbClient dynamoDbClient(PipelineSettings settings) {
        return configure(DynamoDbClient.builder(), dynamoDbEndpoint)
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(Math.max(50, settings.storeWriters() * 2)))
                .overrideConfiguration(pipelineOwned())
                .build();
    }

    @Singleton
    @Bean(preDestroy = "close")
    CloudWatchAsyncClient cloudWatchAsyncClient() {
        // required by KCL's ConfigsBuilder; metrics go to Micrometer, so nothing is sent with it
        return configure(CloudWatchAsyncClient.builder(), cloudWatchEndpoint).overrideConfiguration(pipelineOwned())
                .build();
    }

    @Singleton
    @Bean(preDestroy = "close")
    EventBridgeClient eventBridgeClient() {
        return configure(EventBridgeClient.builder(), eventBridgeEndpoint)
                .httpClientBuilder(ApacheHttpClient.builder()).overrideConfiguration(pipelineOwned()).build();
    }

    @Singleton
    @Bean(preDestroy = "close")
    SqsClient sqsClient() {
        return configure(SqsClient.builder(), sqsEndpoint)
                .httpClientBuilder(ApacheHttpClient.builder()).overrideConfiguration(pipelineOwned()).build();
    }

    /** One attempt per call: the pipeline's retry loop decides what happens next. */
    private static ClientOverrideConfiguration pipelineOwned() {
        return ClientOverrideConfiguration.builder().retryStrategy(AwsRetryStrategy.doNotRetry())
                .apiCallAttemptTimeout(PIPELINE_TIMEOUT).apiCallTimeout(PIPELINE_TIMEOUT).build();
    }

    /** The SDK's standard strategy (exponential backoff with jitter, throttling-aware), capped explicitly. */
    private static ClientOverrideConfiguration kclOwned(Duration attempt, Duration call) {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(KCL_ATTEMPTS).build())
                .apiCallAttemptTimeout(attempt).apiCallTimeout(call).build();
    }

    private <B extends AwsClientBuilder<B, ?>> B configure(B builder, String endpoint) {
        builder.region(region).credentialsProvider(DefaultCredentialsProvider.builder().build());
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return builder;
    }
}
