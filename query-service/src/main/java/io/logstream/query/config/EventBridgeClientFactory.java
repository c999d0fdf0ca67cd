package io.logstream.query.config;

import io.micronaut.aws.sdk.v2.service.AWSServiceConfiguration;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;

import java.time.Duration;

/**
 * The EventBridge client for rule notifications ({@code log-stream.rules.event-bus} set), which micronaut-aws-sdk-v2
 * does not provide, configured as its own clients are: region and credentials from the module's chains, the endpoint
 * from {@code aws.services.eventbridge.endpoint-override} when set (a local engine), else the SDK's resolution (which
 * honours AWS_ENDPOINT_URL_EVENTBRIDGE), the module's Apache HTTP client; 3 attempts of 2 s, 5 s a call (the
 * notifier retries on its own with backoff).
 */
@Factory
@Requires(property = "log-stream.rules.event-bus", pattern = ".+")
public class EventBridgeClientFactory {
    @Singleton
    @Bean(preDestroy = "close")
    EventBridgeClient eventBridgeClient(AwsCredentialsProviderChain credentials, AwsRegionProviderChain region,
                                        SdkHttpClient httpClient,
                                        @Named("eventbridge") @Nullable AWSServiceConfiguration service) {
        var builder = EventBridgeClient.builder().httpClient(httpClient).region(region.getRegion())
                .credentialsProvider(credentials)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .maxAttempts(3).build()).apiCallAttemptTimeout(Duration.ofSeconds(2))
                        .apiCallTimeout(Duration.ofSeconds(5)));
        if (service != null && service.getEndpointOverride() != null) {
            builder.endpointOverride(service.getEndpointOverride());
        }
        return builder.build();
    }
}
