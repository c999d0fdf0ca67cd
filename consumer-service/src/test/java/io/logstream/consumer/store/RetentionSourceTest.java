package io.logstream.consumer.store;

import io.logstream.consumer.config.ResourceSettings;
import io.logstream.consumer.config.StoreSettings;
import io.logstream.localaws.LocalAws;
import io.logstream.model.LogLevel;
import io.logstream.model.Retention;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The consumer's retention rules on DynamoDB Local: the configured ones, then those the admin API's item holds. */
class RetentionSourceTest {
    private final LocalAws aws = LocalAws.shared();
    private final String table = "retention-" + UUID.randomUUID();

    @Test
    void theStoredRulesReplaceTheConfiguredOnes() {
        aws.createLogsTable(table);
        DynamoRetentionSource source = new DynamoRetentionSource(aws.dynamoDb(), new ResourceSettings(table, "s"),
                new StoreSettings(4, 7, "checkout:DEBUG=1d"));
        try {
            assertThat(source.get().current().days("checkout", LogLevel.DEBUG)).isEqualTo(1);
            assertThat(source.get().current().days("checkout", LogLevel.INFO)).as("LOG_RETENTION_DAYS").isEqualTo(7);

            Retention stored = source.get().changedTo(Retention.RuleSet.parse("checkout:DEBUG=3d audit=365d", 30),
                    1_000);
            aws.dynamoDb().putItem(b -> b.tableName(table).item(stored.toItem()));
            DynamoRetentionSource fresh = new DynamoRetentionSource(aws.dynamoDb(), new ResourceSettings(table, "s"),
                    new StoreSettings(4, 7, "checkout:DEBUG=1d"));
            try {
                Retention read = fresh.get();
                assertThat(read.current().days("checkout", LogLevel.DEBUG)).isEqualTo(3);
                assertThat(read.current().days("audit", LogLevel.INFO)).isEqualTo(365);
                assertThat(read.current().days("checkout", LogLevel.INFO)).isEqualTo(30);
                assertThat(read.jobPending()).isTrue();
                assertThat(read.history()).singleElement().satisfies(past ->
                        assertThat(past.rules().days("checkout", LogLevel.DEBUG)).isEqualTo(1));
                assertThat(read.expiresAt("checkout", LogLevel.DEBUG, 1_723_050_000_000L))
                        .isEqualTo(1_723_050_000L + 3 * 86_400);
            } finally {
                fresh.stop();
            }
        } finally {
            source.stop();
        }
    }
}
