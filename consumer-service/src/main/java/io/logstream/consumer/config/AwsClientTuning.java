package io.logstream.consumer.config;

import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.builder.SdkClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClientBuilder;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;

import java.time.Duration;

/**
 * Retries and timeouts per client, explicit so that they add up (docs/consumer.md, "Retries and timeouts"). The
 * module-built clients are tuned on their builders by the listeners below, before micronaut-aws-sdk-v2 builds them:
 * <ul>
 *   <li>the pipeline's own calls (BatchWriteItem, PutEvents, SendMessage, and the health probes) make exactly one
 *   attempt per SDK call, bounded by {@value #PIPELINE_ATTEMPT_SECONDS} s: the pipeline's retry loop (backoff with
 *   full jitter, in place) is the only retry, so nothing multiplies it;</li>
 *   <li>KCL's own clients (Kinesis, the lease table) keep a standard strategy of {@value #KCL_ATTEMPTS} attempts,
 *   because KCL treats a failed lease renewal or shard sync as a lost round: one quick SDK retry saves a lease.</li>
 * </ul>
 * The module's own override configuration (its user agent) is kept: each listener adds to it.
 */
public final class AwsClientTuning {
    static final int PIPELINE_ATTEMPT_SECONDS = 5;
    static final int KCL_ATTEMPTS = 3;
    private static final Duration PIPELINE_TIMEOUT = Duration.ofSeconds(PIPELINE_ATTEMPT_SECONDS);

    private AwsClientTuning() {
    }

    /** One attempt per call, added to {@code base}: the pipeline's retry loop decides what happens next. */
    static ClientOverrideConfiguration pipelineOwned(ClientOverrideConfiguration.Builder base) {
        return base.retryStrategy(AwsRetryStrategy.doNotRetry())
                .apiCallAttemptTimeout(PIPELINE_TIMEOUT).apiCallTimeout(PIPELINE_TIMEOUT).build();
    }

    /** The SDK's standard strategy (exponential backoff with jitter, throttling-aware), capped explicitly. */
    static ClientOverrideConfiguration kclOwned(ClientOverrideConfiguration.Builder base, Duration attempt,
                                                        Duration call) {
        return retries(base).apiCallAttemptTimeout(attempt).apiCallTimeout(call).build();
    }

    /** KCL's retries without the SDK's call timeouts: for a client whose calls stream (SubscribeToShard). */
    static ClientOverrideConfiguration kclOwned(ClientOverrideConfiguration.Builder base) {
        return retries(base).build();
    }

    private static ClientOverrideConfiguration.Builder retries(ClientOverrideConfiguration.Builder base) {
        return base.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(KCL_ATTEMPTS).build());
    }

    private static ClientOverrideConfiguration.Builder current(SdkClientBuilder<?, ?> builder) {
        return builder.overrideConfiguration().toBuilder();
    }

    /** The pipeline's DynamoDB client (BatchWriteItem and the readiness probe). */
    @Singleton
    static final class PipelineDynamoDb implements BeanCreatedEventListener<DynamoDbClientBuilder> {
        @Override
        public DynamoDbClientBuilder onCreated(BeanCreatedEvent<DynamoDbClientBuilder> event) {
            DynamoDbClientBuilder builder = event.getBean();
            return builder.overrideConfiguration(pipelineOwned(current(builder)));
        }
    }

    /** KCL's lease table client: a renewal has to land well inside the failover time. */
    @Singleton
    static final class LeaseTableDynamoDb implements BeanCreatedEventListener<DynamoDbAsyncClientBuilder> {
        @Override
        public DynamoDbAsyncClientBuilder onCreated(BeanCreatedEvent<DynamoDbAsyncClientBuilder> event) {
            DynamoDbAsyncClientBuilder builder = event.getBean();
            return builder.overrideConfiguration(kclOwned(current(builder), Duration.ofSeconds(2), Duration.ofSeconds(5)));
        }
    }

    /** The dead-letter queue's client. */
    @Singleton
    static final class DeadLetterSqs implements BeanCreatedEventListener<SqsClientBuilder> {
        @Override
        public SqsClientBuilder onCreated(BeanCreatedEvent<SqsClientBuilder> event) {
            SqsClientBuilder builder = event.getBean();
            return builder.overrideConfiguration(pipelineOwned(current(builder)));
        }
    }
}
