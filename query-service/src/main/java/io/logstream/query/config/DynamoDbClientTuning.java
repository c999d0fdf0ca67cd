package io.logstream.query.config;

import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

import java.time.Duration;

/**
 * The DynamoDB client is micronaut-aws-sdk-v2's: region from {@code aws.region} (AWS_REGION), endpoint from
 * {@code aws.services.dynamodb.endpoint-override} when set, else the SDK's own resolution (which honours
 * AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_DYNAMODB), the module's credentials chain and its Apache HTTP client
 * ({@code aws.apache-client.*}). This listener makes its retries explicit before the module builds it: the SDK's
 * standard strategy with at most 3 attempts of 2 s each, and 5 s for the whole call, after which the request is a
 * 503 problem with Retry-After (a reader retries; the service does not queue).
 */
@Singleton
public class DynamoDbClientTuning implements BeanCreatedEventListener<DynamoDbClientBuilder> {

    @Override
    public DynamoDbClientBuilder onCreated(BeanCreatedEvent<DynamoDbClientBuilder> event) {
        DynamoDbClientBuilder builder = event.getBean();
        return builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(3).build())
                .apiCallAttemptTimeout(Duration.ofSeconds(2)).apiCallTimeout(Duration.ofSeconds(5)).build());
    }
}
