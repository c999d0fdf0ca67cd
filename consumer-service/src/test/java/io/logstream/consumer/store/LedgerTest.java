package io.logstream.consumer.store;

import io.logstream.consumer.config.LedgerSettings;
import io.logstream.consumer.config.ResourceSettings;
import io.logstream.consumer.retry.Backoff;
import io.logstream.consumer.retry.DependencyHealth;
import io.logstream.consumer.retry.Retrier;
import io.logstream.consumer.retry.Sleeper;
import io.logstream.localaws.LocalAws;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The catalogue and the completeness watermark as DynamoDB Local holds them, with a clock the test moves. */
class LedgerTest {
    private static final long T0 = 1_800_000_000_000L;

    private final LocalAws aws = LocalAws.shared();
    private final String table = "ledger-" + UUID.randomUUID();
    private final AtomicLong now = new AtomicLong(T0);
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    };
    private final Retrier retrier = new Retrier(new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), Math::random),
            Sleeper.REAL, new DependencyHealth(Clock.systemUTC()), dependency -> { });

    LedgerTest() {
        aws.createLogsTable(table);
    }

    private DynamoServiceCatalogue catalogue() {
        return new DynamoServiceCatalogue(aws.dynamoDb(), new ResourceSettings(table, "s"),
                new LedgerSettings(Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(1)), retrier, clock);
    }

    private DynamoCompletenessLedger ledger() {
        return new DynamoCompletenessLedger(aws.dynamoDb(), table, "s", Duration.ofSeconds(1), retrier, clock);
    }

    private static LogRecord record(String service, String host) {
        return new LogRecord(service, LogLevel.INFO, "m", T0, UUID.randomUUID().toString(), null, host, Map.of(), null);
    }

    private Map<String, AttributeValue> item(String pk, String sk) {
        return aws.dynamoDb().getItem(b -> b.tableName(table).consistentRead(true)
                .key(Map.of(LogKeys.PK, AttributeValue.fromS(pk), LogKeys.SK, AttributeValue.fromS(sk)))).item();
    }

    private long lastSeen(String pk, String sk) {
        return Long.parseLong(item(pk, sk).get(LedgerKeys.LAST_SEEN).n());
    }

    private Long watermark(String shard) {
        Map<String, AttributeValue> item = item(LedgerKeys.watermarkPk("s"), shard);
        return item.isEmpty() ? null : Long.parseLong(item.get(LedgerKeys.COMPLETE_UNTIL).n());
    }

    @Test
    void theCatalogueWritesEachNameAboutOncePerIntervalWhateverTheTrafficOrTheWorkers() {
        DynamoServiceCatalogue worker1 = catalogue();
        DynamoServiceCatalogue worker2 = catalogue();
        worker1.seen(List.of(record("checkout", "pod-1"), record("checkout", "pod-2"), record("search", null),
                record("search", "x".repeat(300))));
        assertThat(lastSeen(LedgerKeys.SERVICES_PK, "checkout")).isEqualTo(T0);
        assertThat(lastSeen(LedgerKeys.HOSTS_PK, "checkout#pod-2")).isEqualTo(T0);
        assertThat(aws.dynamoDb().query(b -> b.tableName(table).keyConditionExpression("pk = :p")
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(LedgerKeys.HOSTS_PK)))).count())
                .as("no host for records without one, none over the length limit").isEqualTo(2);

        now.set(T0 + 30_000);
        worker1.seen(List.of(record("checkout", "pod-1")));
        worker2.seen(List.of(record("checkout", "pod-1")));
        assertThat(lastSeen(LedgerKeys.SERVICES_PK, "checkout")).as("within the interval, by either worker").isEqualTo(T0);

        now.set(T0 + 61_000);
        worker1.seen(List.of(record("checkout", "pod-1")));
        assertThat(lastSeen(LedgerKeys.SERVICES_PK, "checkout")).isEqualTo(T0 + 61_000);
        assertThat(item(LedgerKeys.SERVICES_PK, "checkout").get(LedgerKeys.FIRST_SEEN).n()).isEqualTo(Long.toString(T0));
    }

    @Test
    void theWatermarkIsThrottledNeverMovesBackAndPassesToChildShardsBeforeItsShardCloses() {
        DynamoCompletenessLedger owner = ledger();
        owner.opened("shard-1");
        assertThat(watermark("shard-1")).as("known, vouching for nothing yet").isZero();

        owner.advanced("shard-1", Instant.ofEpochMilli(T0 - 5_000));
        owner.advanced("shard-1", Instant.ofEpochMilli(T0 - 4_000));
        assertThat(watermark("shard-1")).as("at most one write per interval").isEqualTo(T0 - 5_000);
        now.addAndGet(1_000);
        owner.advanced("shard-1", Instant.ofEpochMilli(T0 - 3_000));
        assertThat(watermark("shard-1")).isEqualTo(T0 - 3_000);

        DynamoCompletenessLedger slowFormerOwner = ledger();
        slowFormerOwner.advanced("shard-1", Instant.ofEpochMilli(T0 - 60_000));
        assertThat(watermark("shard-1")).as("never back").isEqualTo(T0 - 3_000);
        slowFormerOwner.opened("shard-1");
        assertThat(watermark("shard-1")).isEqualTo(T0 - 3_000);

        DynamoCompletenessLedger other = ledger();
        other.opened("shard-2");
        other.advanced("shard-2", Instant.ofEpochMilli(T0 - 10_000));
        now.addAndGet(1_000);
        owner.advanced("shard-1", Instant.ofEpochMilli(T0 - 2_000));
        owner.ended("shard-1", List.of("shard-3"));
        other.ended("shard-2", List.of("shard-3"));
        assertThat(watermark("shard-3")).as("a merged child starts at the lower parent").isEqualTo(T0 - 10_000);
        assertThat(item(LedgerKeys.watermarkPk("s"), "shard-1").get(LedgerKeys.CLOSED).bool()).isTrue();
        assertThat(watermark("shard-1")).as("its final value").isEqualTo(T0 - 2_000);

        ledger().opened("shard-3");
        assertThat(watermark("shard-3")).as("the child's owner keeps the seed").isEqualTo(T0 - 10_000);
    }
}
