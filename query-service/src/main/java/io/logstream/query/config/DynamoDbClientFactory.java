package io.logstream.query.config;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Property;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.net.URI;
import java.time.Duration;

/**
 * The DynamoDB client: region from {@code aws.region} (AWS_REGION), endpoint from {@code aws.endpoints.dynamodb}
 * when set, else the SDK's own resolution (which honours AWS_ENDPOINT_URL_DYNAMODB); default credentials chain.
 * Retries are explicit: the SDK's standard strategy with at most 3 attempts of 2 s each, and 5 s for the whole call,
 * after which the request is a 503 problem with Retry-After (a reader retries; the service does not queue).
 */
@Factory
public class DynamoDbClientFactory {

    @Singleton
    @Bean(preDestroy = "close")
    DynamoDbClient dynamoDbClient(@Property(name = "aws.region") String region,
                                  @Property(name = "aws.endpoints.dynamodb") @Nullable String endpoint) {
        var builder = DynamoDbClient.builder().region(Region.of(region))
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(200))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(3).build())
                        .apiCallAttemptTimeout(Duration.ofSeconds(2)).apiCallTimeout(Duration.ofSeconds(5)).build());
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return builder.build();
    }
}
