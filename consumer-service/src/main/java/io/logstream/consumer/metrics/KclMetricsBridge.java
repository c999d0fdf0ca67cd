package io.logstream.consumer.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;
import software.amazon.kinesis.metrics.MetricsFactory;
import software.amazon.kinesis.metrics.MetricsLevel;
import software.amazon.kinesis.metrics.MetricsScope;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * KCL's metrics into Micrometer instead of CloudWatch. {@code MillisBehindLatest} becomes the per-shard lag gauge;
 * every other KCL metric a summary {@code kcl_<name>} tagged with KCL's {@code Operation} (shard ids are left out
 * of those to keep the series count bounded).
 */
@Singleton
public class KclMetricsBridge implements MetricsFactory {
    private static final String MILLIS_BEHIND_LATEST = "MillisBehindLatest";

    private final MeterRegistry registry;
    private final PipelineMetrics pipelineMetrics;

    public KclMetricsBridge(MeterRegistry registry, PipelineMetrics pipelineMetrics) {
        this.registry = registry;
        this.pipelineMetrics = pipelineMetrics;
    }

    @Override
    public MetricsScope createMetrics() {
        return new Scope();
    }

    private record Datum(String name, double value, StandardUnit unit) {
    }

    private final class Scope implements MetricsScope {
        private final List<Datum> data = new ArrayList<>();
        private String operation = "none";
        private String shardId;

        @Override
        public void addData(String name, double value, StandardUnit unit) {
            data.add(new Datum(name, value, unit));
        }

        @Override
        public void addData(String name, double value, StandardUnit unit, MetricsLevel level) {
            data.add(new Datum(name, value, unit));
        }

        @Override
        public void addDimension(String name, String value) {
            if ("Operation".equals(name)) {
                operation = value;
            } else if ("ShardId".equals(name)) {
                shardId = value;
            }
        }

        @Override
        public void end() {
            for (Datum datum : data) {
                if (MILLIS_BEHIND_LATEST.equals(datum.name()) && shardId != null) {
                    pipelineMetrics.millisBehindLatest(shardId, (long) datum.value());
                } else {
                    DistributionSummary.builder("kcl." + datum.name())
                            .baseUnit(datum.unit() == null ? null : datum.unit().toString().toLowerCase(Locale.ROOT))
                            .tag("operation", operation).register(registry).record(datum.value());
                }
            }
        }
    }
}
