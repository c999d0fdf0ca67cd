package io.logstream.consumer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The consumer's own metrics, named {@code logstream_*} in Prometheus. */
@Singleton
public class PipelineMetrics {
    private final MeterRegistry registry;
    private final Counter received;
    private final Counter stored;
    private final Counter alertsPublished;
    private final Counter alertsFailed;
    private final Counter checkpointFailures;
    private final Counter checkpoints;
    private final Timer batchLatency;
    private final Map<String, AtomicLong> lagMillis = new ConcurrentHashMap<>();
    private final Set<String> bucketGauges = ConcurrentHashMap.newKeySet();

    public PipelineMetrics(MeterRegistry registry) {
        this.registry = registry;
        received = Counter.builder("logstream.records.received").description("Kinesis records handed to the consumer")
                .register(registry);
        stored = Counter.builder("logstream.records.stored").description("Items written to DynamoDB")
                .register(registry);
        alertsPublished = Counter.builder("logstream.alerts.published")
                .description("LogError events accepted by EventBridge").register(registry);
        alertsFailed = Counter.builder("logstream.alerts.failed")
                .description("LogError events given up on after the retry budget (sent to the dead-letter queue)")
                .register(registry);
        checkpointFailures = Counter.builder("logstream.checkpoint.failures")
                .description("Checkpoints that could not be written").register(registry);
        checkpoints = Counter.builder("logstream.checkpoints").description("Checkpoints written").register(registry);
        batchLatency = Timer.builder("logstream.batch.duration")
                .description("Time from receiving a batch to checkpointing it").publishPercentileHistogram()
                .register(registry);
    }

    public void received(int count) {
        received.increment(count);
    }

    public void stored(int count) {
        stored.increment(count);
    }

    public void deadLettered(String reason, int count) {
        Counter.builder("logstream.records.deadlettered").description("Records sent to the dead-letter queue")
                .tag("reason", reason).register(registry).increment(count);
    }

    public void alertsPublished(int count) {
        alertsPublished.increment(count);
    }

    public void alertsFailed(int count) {
        alertsFailed.increment(count);
    }

    public void retried(String dependency) {
        Counter.builder("logstream.dependency.retries").description("Retries of calls to a dependency, by dependency")
                .tag("dependency", dependency).register(registry).increment();
    }

    /** A write DynamoDB throttled (an unprocessed item, or every item of a refused call). */
    public void throttled() {
        Counter.builder("logstream.store.throttled").description("Item writes DynamoDB throttled (retried in place)")
                .register(registry).increment();
    }

    /** The bucket count of a service in the bucket table, registered once per service. */
    public void buckets(String service, Supplier<Number> count) {
        if (bucketGauges.add(service)) {
            Gauge.builder("logstream.store.buckets", count).description("Partition keys a service's records spread "
                    + "over now (write sharding; 1 for a service that never had more)").tag("service", service)
                    .register(registry);
        }
    }

    public void bucketsChanged(String reason) {
        Counter.builder("logstream.store.bucket.changes").description("Epochs this worker appended to the bucket table, "
                + "by reason").tag("reason", reason).register(registry).increment();
    }

    public void checkpointed() {
        checkpoints.increment();
    }

    public void checkpointFailed() {
        checkpointFailures.increment();
    }

    public void batchTook(Duration duration) {
        batchLatency.record(duration);
    }

    /** KCL's MillisBehindLatest for one shard this worker owns; exported in seconds. */
    public void lag(String shardId, long millis) {
        lagMillis.computeIfAbsent(shardId, shard -> {
            AtomicLong value = new AtomicLong();
            TimeGauge.builder("logstream.shard.lag", value, TimeUnit.MILLISECONDS, AtomicLong::get)
                    .description("How far the consumer is behind the tip of the shard (KCL MillisBehindLatest), "
                            + "for the shards this worker owns")
                    .tag("shard", shard).register(registry);
            return value;
        }).set(millis);
    }

    /** The shard's lease was lost, its end reached or the worker is stopping: its lag series goes away. */
    public void shardReleased(String shardId) {
        if (lagMillis.remove(shardId) != null) {
            registry.find("logstream.shard.lag").tag("shard", shardId).meters().forEach(registry::remove);
        }
    }
}
