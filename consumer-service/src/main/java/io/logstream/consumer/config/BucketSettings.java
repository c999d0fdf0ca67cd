package io.logstream.consumer.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;

/**
 * Write sharding of hot services ({@code log-stream.buckets}; defaults in application.yml, design in docs/scale.md).
 *
 * @param auto          WRITE_SHARDING: spread a service over more buckets when its key is throttled or nears the limit
 * @param keyWriteLimit write units a second DynamoDB serves one partition key value (1,000 on AWS)
 * @param growAt        a bucket past this share of the limit grows the service's count
 * @param target        the share of the limit a bucket is sized for when the count grows or shrinks
 * @param maxBuckets    the most buckets a service gets (a read of it costs one Query per bucket)
 * @param shrinkAfter   how long a service must fit in a quarter of its buckets before it shrinks; 0 never shrinks
 * @param refresh       how often the bucket table is read again (it must be well under {@code Buckets.LEAD_MILLIS})
 * @param pinned        PINNED_BUCKETS: {@code service=count,...}, counts that no automatic decision changes
 */
@ConfigurationProperties("log-stream.buckets")
public record BucketSettings(boolean auto,
                             @Min(1) int keyWriteLimit,
                             @DecimalMin("0.05") @DecimalMax("1.0") double growAt,
                             @DecimalMin("0.05") @DecimalMax("1.0") double target,
                             @Min(1) @Max(64) int maxBuckets,
                             @NotNull Duration shrinkAfter,
                             @NotNull Duration refresh,
                             @Nullable String pinned) {
}
