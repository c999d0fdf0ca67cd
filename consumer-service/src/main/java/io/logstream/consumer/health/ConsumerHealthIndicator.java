package io.logstream.consumer.health;

import io.logstream.consumer.config.DeadLetterSettings;
import io.logstream.consumer.config.RetrySettings;
import io.logstream.consumer.config.ResourceSettings;
import io.logstream.consumer.ingest.KclWorker;
import io.logstream.consumer.ingest.ShardRegistry;
import io.logstream.consumer.retry.DependencyHealth;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.AbstractHealthIndicator;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ready while the KCL worker runs, the logs table and the dead-letter queue answer, and no dependency has been
 * failing in the pipeline for longer than {@code unhealthy-after} (30 s by default). The table and queue are probed
 * on each check because KCL stops calling the pipeline when it cannot renew its leases, so an outage would otherwise
 * go unseen. The details list owned shards and every failing dependency with since when and the last error.
 */
@Singleton
@Readiness
public class ConsumerHealthIndicator extends AbstractHealthIndicator<Map<String, Object>> {
    private final KclWorker worker;
    private final ShardRegistry shards;
    private final DependencyHealth dependencies;
    private final Duration unhealthyAfter;

    private final DynamoDbClient dynamoDb;
    private final SqsClient sqs;
    private final String table;
    private final String queueUrl;

    public ConsumerHealthIndicator(KclWorker worker, ShardRegistry shards, DependencyHealth dependencies,
                                   ResourceSettings resources, DeadLetterSettings deadLetter, RetrySettings retry,
                                   DynamoDbClient dynamoDb, SqsClient sqs) {
        this.worker = worker;
        this.dynamoDb = dynamoDb;
        this.sqs = sqs;
        this.table = resources.table();
        this.queueUrl = deadLetter.queueUrl();
        this.shards = shards;
        this.dependencies = dependencies;
        this.unhealthyAfter = retry.unhealthyAfter();
    }

    @Override
    protected Map<String, Object> getHealthInformation() {
        Map<String, DependencyHealth.Failure> stuck = dependencies.failingLongerThan(unhealthyAfter);
        Map<String, Object> probes = new LinkedHashMap<>();
        probes.put("dynamodb", probe(() -> dynamoDb.describeTable(b -> b.tableName(table))));
        probes.put("sqs", probe(() -> sqs.getQueueAttributes(b -> b.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))));
        boolean reachable = probes.values().stream().allMatch("UP"::equals);
        healthStatus = worker.running() && stuck.isEmpty() && reachable ? HealthStatus.UP : HealthStatus.DOWN;
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("dependencies", probes);
        details.put("worker", worker.workerId());
        details.put("schedulerRunning", worker.running());
        details.put("shards", shards.owned());
        Map<String, Object> failing = new LinkedHashMap<>();
        dependencies.failing().forEach((name, failure) -> failing.put(name,
                Map.of("since", failure.since().toString(), "lastError", failure.lastError())));
        details.put("failingDependencies", failing);
        return details;
    }

    private static String probe(Runnable call) {
        try {
            call.run();
            return "UP";
        } catch (SdkException e) {
            return "DOWN: " + e.getMessage();
        }
    }

    @Override
    protected String getName() {
        return "kinesis-consumer";
    }
}
