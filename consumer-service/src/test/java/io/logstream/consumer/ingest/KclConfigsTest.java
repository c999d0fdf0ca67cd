package io.logstream.consumer.ingest;

import io.logstream.consumer.config.KclSettings;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.leases.LeaseAssignmentStrategy;
import software.amazon.kinesis.metrics.NullMetricsFactory;
import software.amazon.kinesis.retrieval.fanout.FanOutConfig;
import software.amazon.kinesis.retrieval.polling.PollingConfig;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What each KCL setting becomes; building the configs calls no AWS endpoint and starts nothing. */
class KclConfigsTest {
    private static final URI NOWHERE = URI.create("http://127.0.0.1:9");

    private static KclSettings settings(String position, String timestamp) {
        return settings(position, timestamp, "polling", true);
    }

    private static KclSettings settings(String position, String timestamp, String retrieval, boolean http2) {
        return new KclSettings("the-app", position, timestamp, null, retrieval, 500, Duration.ofMillis(250),
                Duration.ofSeconds(11), Duration.ofSeconds(12), Duration.ofSeconds(3), Duration.ofMillis(260),
                Duration.ofMillis(1100), Duration.ofSeconds(6), Duration.ofMillis(1200), Duration.ofSeconds(20),
                LeaseAssignmentStrategy.LEASE_COUNT_BASED, http2);
    }

    private static KclConfigs configs(KclSettings settings) {
        try (KinesisAsyncClient kinesis = KinesisAsyncClient.builder().region(Region.US_EAST_2).endpointOverride(NOWHERE)
                .credentialsProvider(AnonymousCredentialsProvider.create()).build();
             DynamoDbAsyncClient dynamoDb = DynamoDbAsyncClient.builder().region(Region.US_EAST_2).endpointOverride(NOWHERE)
                     .credentialsProvider(AnonymousCredentialsProvider.create()).build();
             CloudWatchAsyncClient cloudWatch = CloudWatchAsyncClient.builder().region(Region.US_EAST_2)
                     .endpointOverride(NOWHERE).credentialsProvider(AnonymousCredentialsProvider.create()).build()) {
            return KclConfigs.of(settings, "the-stream", "worker-1", kinesis, dynamoDb, cloudWatch, () -> null, new NullMetricsFactory());
        }
    }

    @Test
    void everySettingReachesTheConfigKclReadsItFrom() {
        KclConfigs configs = configs(settings("TRIM_HORIZON", null));
        assertThat(configs.position().getInitialPositionInStream()).isEqualTo(InitialPositionInStream.TRIM_HORIZON);
        assertThat(configs.leases().tableName()).isEqualTo("the-app");
        assertThat(configs.leases().workerIdentifier()).isEqualTo("worker-1");
        assertThat(configs.leases().failoverTimeMillis()).isEqualTo(11_000);
        assertThat(configs.leases().shardSyncIntervalMillis()).isEqualTo(12_000);
        assertThat(configs.leases().leaseAssignmentIntervalMillis()).isEqualTo(3_000);
        assertThat(configs.leases().dynamoDbLockBasedLeaderLeaseDurationInMillis()).isEqualTo(6_000);
        assertThat(configs.leases().dynamoDbLockBasedLeaderHeartbeatPeriodInMillis()).isEqualTo(1_200);
        assertThat(configs.leases().leaseAssignmentStrategy())
                .isEqualTo(LeaseAssignmentStrategy.LEASE_COUNT_BASED);
        assertThat(configs.coordinator().shardConsumerDispatchPollIntervalMillis()).isEqualTo(260);
        assertThat(configs.coordinator().parentShardPollIntervalMillis()).isEqualTo(1_100);
        assertThat(configs.processor().callProcessRecordsEvenForEmptyRecordList()).isTrue();
        assertThat(configs.metrics().metricsFactory()).isInstanceOf(NullMetricsFactory.class);
        assertThat(configs.retrieval().retrievalSpecificConfig()).isInstanceOfSatisfying(PollingConfig.class, polling -> {
            assertThat(polling.maxRecords()).isEqualTo(500);
            assertThat(polling.idleTimeBetweenReadsInMillis()).isEqualTo(250);
            assertThat(polling.streamName()).isEqualTo("the-stream");
        });
    }

    @Test
    void fanOutUsesTheStreamConsumerNamedAfterTheApplicationAndNeedsHttp2() {
        KclConfigs configs = configs(settings("LATEST", null, "fanout", true));
        assertThat(configs.retrieval().retrievalSpecificConfig()).isInstanceOfSatisfying(FanOutConfig.class, fanOut -> {
            assertThat(fanOut.streamName()).isEqualTo("the-stream");
            assertThat(fanOut.applicationName()).isEqualTo("the-app");
            assertThat(fanOut.consumerName()).isEqualTo("the-app");
            assertThat(fanOut.consumerArn()).as("found or registered by name at start-up").isNull();
        });
        assertThatThrownBy(() -> configs(settings("LATEST", null, "fanout", false)))
                .hasMessageContaining("HTTP/2");
    }

    @Test
    void atTimestampNeedsItsTimestamp() {
        assertThat(configs(settings("AT_TIMESTAMP", "2024-08-07T17:00:00Z")).position().getTimestamp().toInstant())
                .hasToString("2024-08-07T17:00:00Z");
        assertThatThrownBy(() -> KclConfigs.initialPosition(settings("AT_TIMESTAMP", " ")))
                .hasMessageContaining("KCL_INITIAL_TIMESTAMP");
    }
}
