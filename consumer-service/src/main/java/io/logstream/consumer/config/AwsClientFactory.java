package io.logstream.consumer.config;

import io.logstream.consumer.ingest.GetRecordsCalls;
import io.micronaut.aws.sdk.v2.service.AWSServiceConfiguration;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.kinesis.common.KinesisClientUtil;

import java.time.Duration;

/**
 * The clients micronaut-aws-sdk-v2 does not provide: Kinesis, EventBridge and CloudWatch. They follow the module's
 * own style, so that every client is configured the same way:
 * <ul>
 *   <li>region and credentials from the module's provider chains ({@code aws.region}, then the SDK's chains);</li>
 *   <li>an endpoint from {@code aws.services.<kinesis|eventbridge|cloudwatch>.endpoint-override} when set (a local
 *   engine), otherwise the SDK's own resolution, which honours {@code AWS_ENDPOINT_URL} and
 *   {@code AWS_ENDPOINT_URL_<SERVICE>};</li>
 *   <li>EventBridge shares the module's sync HTTP client ({@code aws.apache-client.*}).</li>
 * </ul>
 * DynamoDB (sync for the pipeline, async for KCL's lease table) and SQS come from the module's own factories; the
 * retry and timeout policy of every client is set in {@link AwsClientTuning}.
 */
@Factory
public class AwsClientFactory {
    private final AwsCredentialsProviderChain credentials;
    private final AwsRegionProviderChain region;

    public AwsClientFactory(AwsCredentialsProviderChain credentials, AwsRegionProviderChain region) {
        this.credentials = credentials;
        this.region = region;
    }

    @Singleton
    @Bean(preDestroy = "close")
    KinesisAsyncClient kinesisAsyncClient(KclSettings kcl, @Named("kinesis") @Nullable AWSServiceConfiguration service,
                                          GetRecordsCalls getRecordsCalls) {
        var builder = KinesisAsyncClient.builder();
        if (kcl.fanOut()) {
            // SubscribeToShard is one call that streams for up to 5 minutes: an attempt timeout would cut every
            // subscription short (at 10 s, a re-subscription every 10 s, put -> stored p50 1.9 s on kinesis-mock).
            // KCL bounds its other calls itself, and the HTTP/2 health-check ping finds a dead connection.
            builder.overrideConfiguration(AwsClientTuning.kclOwned(ClientOverrideConfiguration.builder()));
        } else {
            // GetRecords of up to 10,000 records (10 MB) gets 10 s an attempt; each call's start and end are noted, for
            // when an empty answer was made (FetchStarts)
            builder.overrideConfiguration(AwsClientTuning.kclOwned(ClientOverrideConfiguration.builder()
                    .addExecutionInterceptor(getRecordsCalls), Duration.ofSeconds(10), Duration.ofSeconds(30)));
        }
        if (kcl.http2()) {
            KinesisClientUtil.adjustKinesisClientBuilder(builder);
        } else {
            // kinesalite (the throughput engine) refuses cleartext HTTP/2
            builder.httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1)
                    .maxConcurrency(Integer.MAX_VALUE));
        }
        return configure(builder, service).build();
    }

    @Singleton
    @Bean(preDestroy = "close")
    EventBridgeClient eventBridgeClient(SdkHttpClient httpClient,
                                        @Named("eventbridge") @Nullable AWSServiceConfiguration service) {
        return configure(EventBridgeClient.builder().httpClient(httpClient), service)
                .overrideConfiguration(AwsClientTuning.pipelineOwned(ClientOverrideConfiguration.builder())).build();
    }

    @Singleton
    @Bean(preDestroy = "close")
    CloudWatchAsyncClient cloudWatchAsyncClient(@Named("cloudwatch") @Nullable AWSServiceConfiguration service) {
        // required by KCL's ConfigsBuilder; metrics go to Micrometer, so nothing is sent with it
        return configure(CloudWatchAsyncClient.builder(), service)
                .overrideConfiguration(AwsClientTuning.pipelineOwned(ClientOverrideConfiguration.builder())).build();
    }

    private <B extends AwsClientBuilder<B, ?>> B configure(B builder, @Nullable AWSServiceConfiguration service) {
        builder.region(region.getRegion()).credentialsProvider(credentials);
        if (service != null && service.getEndpointOverride() != null) {
            builder.endpointOverride(service.getEndpointOverride());
        }
        return builder;
    }
}
