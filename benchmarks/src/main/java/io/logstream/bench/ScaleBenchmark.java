package io.logstream.bench;

import io.logstream.localaws.ConsumerProperties;
import io.logstream.localaws.DynamoDbLimitProxy;
import io.logstream.localaws.KinesisEngine;
import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LogPayload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The per-key write limit, measured (issue: scale): one hot service put at 3x the per-key limit among 50 quiet
 * services at 2 records/s each, on 4 shards, with DynamoDB Local behind {@link DynamoDbLimitProxy}. Prints the hot
 * service's stored rate against its put rate, the calls and items throttled, and the quiet services' put -> stored
 * p50 and p99, with what was still missing when the wait ended. Writes {@code scale.csv} and {@code scale.txt} in
 * {@code benchmarks/results}.
 * Usage: {@code scripts/bench-scale.sh [limit=200] [seconds=60]}.
 */
public final class ScaleBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger("bench");
    private static final String STREAM = "scale";
    private static final String TABLE = "scale-logs";
    private static final int QUIET_SERVICES = 50;
    private static final int QUIET_RATE = 2;

    private ScaleBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int limit = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        Path root = Path.of(System.getProperty("logstream.root", "."));
        Path results = root.resolve("benchmarks/results");
        Files.createDirectories(results);
        try (LocalAws aws = LocalAws.start(KinesisEngine.Kind.KINESALITE);
             DynamoDbLimitProxy dynamo = new DynamoDbLimitProxy(aws, limit)) {
            Measures measures = run(aws, dynamo, root, results, limit, seconds);
            LOG.info(measures.table());
            Files.writeString(results.resolve("scale.csv"), measures.csv());
            Files.writeString(results.resolve("scale.txt"), measures.table());
        }
        System.exit(0);
    }

    private static Measures run(LocalAws aws, DynamoDbLimitProxy dynamo, Path root, Path results, int limit,
                                int seconds) throws Exception {
        aws.createStream(STREAM, 4);
        aws.createLogsTable(TABLE);
        String queue = aws.createQueue("scale-dlq");
        List<String> properties = new ArrayList<>(ConsumerProperties.asPairs(
                ConsumerProperties.wiring(STREAM, "scale-app", TABLE, queue)));
        properties.addAll(List.of("log-stream.kcl.lease-assignment-strategy=LEASE_COUNT_BASED",
                "aws.services.dynamodb.endpoint-override=" + dynamo.endpoint(), "LOG_FORMAT=text"));
        ConsumerProcess consumer = ConsumerProcess.start(root, aws, properties, results.resolve("scale-consumer.log"));
        long ready = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (consumer.shards().size() < 4 && System.nanoTime() < ready) {
            Thread.sleep(200);
        }
        int hotRate = 3 * limit;
        Map<String, Long> quietPutAt = new ConcurrentHashMap<>();
        long started = System.currentTimeMillis();
        long hotPut = produce(aws, hotRate, seconds, quietPutAt);
        long ended = System.currentTimeMillis();
        LOG.info("put {} hot and {} quiet records in {} s", hotPut, quietPutAt.size(), (ended - started) / 1000);
        // wait up to two minutes for the quiet services' records
        long deadline = System.currentTimeMillis() + TimeUnit.MINUTES.toMillis(2);
        Map<String, Long> stored = quietStored(aws);
        while (stored.size() < quietPutAt.size() && System.currentTimeMillis() < deadline) {
            Thread.sleep(5000);
            stored.putAll(quietStored(aws));
        }
        List<Long> delays = new ArrayList<>();
        quietPutAt.forEach((id, at) -> {
            Long ingested = stored.get(id);
            if (ingested != null) {
                delays.add(ingested - at);
            }
        });
        long hotStoredInWindow = hotStoredBy(aws, ended);
        consumer.stopGracefully();
        Measures m = new Measures("measure (per-key limit " + limit + " units/s, 4 shards, " + seconds + " s)");
        m.add("per-key write limit (units/s)", "limit_units_per_s", limit, 0);
        m.add("hot service put rate (records/s)", "hot_put_per_s", hotPut / ((ended - started) / 1000.0), 0);
        m.add("hot service stored rate during the put (records/s)", "hot_stored_per_s",
                hotStoredInWindow / ((ended - started) / 1000.0), 0);
        m.add("quiet services, " + QUIET_RATE + " records/s each", "quiet_services", QUIET_SERVICES, 0);
        m.add("BatchWriteItem/PutItem calls throttled", "throttled_calls", dynamo.throttledCalls.get(), 0);
        m.add("items throttled (unprocessed or refused)", "throttled_items", dynamo.throttledItems.get(), 0);
        m.add("quiet put -> stored p50 (s)", "quiet_p50_s", PipelineBenchmark.percentile(delays, 0.5) / 1000.0, 1);
        m.add("quiet put -> stored p99 (s)", "quiet_p99_s", PipelineBenchmark.percentile(delays, 0.99) / 1000.0, 1);
        m.share("quiet records missing 2 min after the puts", "quiet_missing",
                1 - (double) delays.size() / quietPutAt.size());
        return m;
    }

    /** The hot service at {@code hotRate} and the quiet ones at 2/s each, in batches every 100 ms. */
    private static long produce(LocalAws aws, int hotRate, int seconds, Map<String, Long> quietPutAt)
            throws InterruptedException {
        long hot = 0;
        long start = System.nanoTime();
        String padding = "p".repeat(200);
        for (int tick = 0; tick < seconds * 10; tick++) {
            List<PutRecordsRequestEntry> entries = new ArrayList<>();
            List<String> quietIds = new ArrayList<>();
            for (int i = 0; i < hotRate / 10; i++) {
                entries.add(entry(LogPayload.of("hot").level("INFO").message("hot " + hot++ + " " + padding)));
            }
            for (int s = 0; s < QUIET_SERVICES; s++) {
                if ((tick + s) % (10 / QUIET_RATE) == 0) {
                    String id = UUID.randomUUID().toString();
                    quietIds.add(id);
                    entries.add(entry(LogPayload.of(String.format("quiet-%02d", s)).level("INFO").message("quiet")
                            .id(id)));
                }
            }
            for (int from = 0; from < entries.size(); from += 500) {
                Puts.putAll(aws.kinesis(), STREAM, entries.subList(from, Math.min(entries.size(), from + 500)));
            }
            long now = System.currentTimeMillis();
            quietIds.forEach(id -> quietPutAt.put(id, now));
            long wait = start + (tick + 1) * 100_000_000L - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000);
            }
        }
        return hot;
    }

    private static PutRecordsRequestEntry entry(LogPayload payload) {
        return PutRecordsRequestEntry.builder().partitionKey(UUID.randomUUID().toString())
                .data(SdkBytes.fromByteArray(payload.bytes())).build();
    }

    /** The quiet records stored so far: id -> ingestedAt. */
    private static Map<String, Long> quietStored(LocalAws aws) {
        Map<String, Long> stored = new ConcurrentHashMap<>();
        for (int s = 0; s < QUIET_SERVICES; s++) {
            String service = String.format("quiet-%02d", s);
            aws.dynamoDb().queryPaginator(b -> b.tableName(TABLE).keyConditionExpression("pk = :pk")
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(service)))).items()
                    .forEach(item -> stored.put(item.get("id").s(), Long.parseLong(item.get("ingestedAt").n())));
        }
        return stored;
    }

    /** Hot records stored (ingestedAt) by {@code at}. */
    private static long hotStoredBy(LocalAws aws, long at) {
        return aws.dynamoDb().queryPaginator(b -> b.tableName(TABLE).keyConditionExpression("pk = :pk")
                        .filterExpression("ingestedAt <= :at").select("COUNT")
                        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS("hot"),
                                ":at", AttributeValue.fromN(Long.toString(at)))))
                .stream().mapToLong(page -> page.count()).sum();
    }
}
