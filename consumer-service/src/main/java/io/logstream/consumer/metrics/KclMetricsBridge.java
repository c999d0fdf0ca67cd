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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * KCL's metrics into Micrometer instead of CloudWatch: each becomes a summary named in snake case
 * ({@code RecordsProcessed} → {@code kcl_records_processed}), in base units (KCL's milliseconds as seconds), tagged
 * with KCL's {@code Operation}. Shard ids are left out to keep the series count bounded; per-shard lag is the
 * processor's {@code logstream_shard_lag_seconds}, which follows lease ownership.
 */
@Singleton
public class KclMetricsBridge implements MetricsFactory {
    private static final String MILLIS_BEHIND_LATEST = "MillisBehindLatest";

    private final MeterRegistry registry;
    private final Map<String, DistributionSummary> summaries = new ConcurrentHashMap<>();

    public KclMetricsBridge(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public MetricsScope createMetrics() {
        return new Scope();
    }

    /** {@code MillisBehindLatest} → {@code millis.behind.latest}: Micrometer's dotted form, snake case in Prometheus. */
    static String meterName(String kclName) {
        return "kcl." + kclName.replaceAll("([a-z0-9])([A-Z])", "$1.$2").replaceAll("([A-Z])([A-Z][a-z])", "$1.$2")
                .toLowerCase(Locale.ROOT);
    }

    private void record(String name, double value, StandardUnit unit, String operation) {
        boolean millis = unit == StandardUnit.MILLISECONDS;
        String baseUnit = millis ? "seconds" : unit == StandardUnit.BYTES ? "bytes" : null;
        summaries.computeIfAbsent(name + '|' + operation, key -> DistributionSummary.builder(meterName(name))
                .description("KCL metric " + name + " (see KCL's metrics documentation), by KCL operation")
                .baseUnit(baseUnit).tag("operation", operation).register(registry))
                .record(millis ? value / 1000.0 : value);
    }

    private record Datum(String name, double value, StandardUnit unit) {
    }

    private final class Scope implements MetricsScope {
        private final List<Datum> data = new ArrayList<>();
        private String operation = "none";

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
            }
        }

        @Override
        public void end() {
            for (Datum datum : data) {
                if (!MILLIS_BEHIND_LATEST.equals(datum.name())) {
                    record(datum.name(), datum.value(), datum.unit(), operation);
                }
            }
        }
    }
}
