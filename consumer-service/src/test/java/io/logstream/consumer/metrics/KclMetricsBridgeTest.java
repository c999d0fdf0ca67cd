package io.logstream.consumer.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;
import software.amazon.kinesis.metrics.MetricsLevel;
import software.amazon.kinesis.metrics.MetricsScope;

import static org.assertj.core.api.Assertions.assertThat;

/** KCL's metrics as Micrometer summaries: snake case, base units, by operation, recorded when a scope ends. */
class KclMetricsBridgeTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final KclMetricsBridge bridge = new KclMetricsBridge(registry);

    @Test
    void namesBecomeDottedLowerCaseUnderKcl() {
        assertThat(KclMetricsBridge.meterName("RecordsProcessed")).isEqualTo("kcl.records.processed");
        assertThat(KclMetricsBridge.meterName("MillisBehindLatest")).isEqualTo("kcl.millis.behind.latest");
        assertThat(KclMetricsBridge.meterName("DataBytesProcessed")).isEqualTo("kcl.data.bytes.processed");
        assertThat(KclMetricsBridge.meterName("RenewLease.Time")).isEqualTo("kcl.renew.lease.time");
        assertThat(KclMetricsBridge.meterName("KCLProcessTime")).isEqualTo("kcl.kcl.process.time");
    }

    @Test
    void aScopeIsRecordedWhenItEndsInBaseUnitsTaggedWithItsOperation() {
        MetricsScope scope = bridge.createMetrics();
        scope.addDimension("Operation", "ProcessTask");
        scope.addDimension("ShardId", "shardId-000000000001");
        scope.addData("RecordsProcessed", 25, StandardUnit.COUNT);
        scope.addData("Time", 1500, StandardUnit.MILLISECONDS, MetricsLevel.DETAILED);
        scope.addData("DataBytesProcessed", 4096, StandardUnit.BYTES);
        assertThat(registry.getMeters()).as("nothing before end()").isEmpty();
        scope.end();

        DistributionSummary records = registry.get("kcl.records.processed").tag("operation", "ProcessTask").summary();
        assertThat(records.count()).isEqualTo(1);
        assertThat(records.totalAmount()).isEqualTo(25);
        assertThat(records.getId().getBaseUnit()).isNull();
        DistributionSummary time = registry.get("kcl.time").summary();
        assertThat(time.totalAmount()).isEqualTo(1.5);
        assertThat(time.getId().getBaseUnit()).isEqualTo("seconds");
        assertThat(registry.get("kcl.data.bytes.processed").summary().getId().getBaseUnit()).isEqualTo("bytes");
        assertThat(registry.getMeters()).allSatisfy(meter ->
                assertThat(meter.getId().getTags()).extracting(tag -> tag.getKey()).containsExactly("operation"));
    }

    @Test
    void scopesOfOneOperationShareASummaryAndOtherOperationsGetTheirOwn() {
        for (String operation : new String[]{"ProcessTask", "ProcessTask", "ShardSyncTask"}) {
            MetricsScope scope = bridge.createMetrics();
            scope.addDimension("Operation", operation);
            scope.addData("Success", 1, StandardUnit.COUNT);
            scope.end();
        }
        MetricsScope untagged = bridge.createMetrics();
        untagged.addData("Success", 1, StandardUnit.COUNT);
        untagged.end();
        assertThat(registry.get("kcl.success").tag("operation", "ProcessTask").summary().count()).isEqualTo(2);
        assertThat(registry.get("kcl.success").tag("operation", "ShardSyncTask").summary().count()).isEqualTo(1);
        assertThat(registry.get("kcl.success").tag("operation", "none").summary().count()).isEqualTo(1);
    }

    @Test
    void millisBehindLatestIsLeftToThePerShardLagGauge() {
        MetricsScope scope = bridge.createMetrics();
        scope.addData("MillisBehindLatest", 1234, StandardUnit.MILLISECONDS);
        scope.end();
        assertThat(registry.find("kcl.millis.behind.latest").meters()).isEmpty();
    }

    @Test
    void prometheusSeesSnakeCaseNamesInBaseUnits() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MetricsScope scope = new KclMetricsBridge(prometheus).createMetrics();
        scope.addDimension("Operation", "ProcessTask");
        scope.addData("RecordsProcessed", 3, StandardUnit.COUNT);
        scope.addData("Time", 20, StandardUnit.MILLISECONDS);
        scope.end();
        String scrape = prometheus.scrape();
        assertThat(scrape).contains("kcl_records_processed_count{operation=\"ProcessTask\"} 1")
                .contains("kcl_time_seconds_sum{operation=\"ProcessTask\"} 0.02");
    }
}
