package io.logstream.bench;

import io.logstream.localaws.ConsumerProperties;
import io.logstream.localaws.KinesisEngine;
import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LogPayload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.Shard;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Start-up and hand-off of consumer-service with its production KCL defaults, on the local engines (kinesis-mock,
 * DynamoDB Local; the lease table created beforehand with its GSI, as terraform/ does), 4 shards:
 * <ol>
 *   <li>a brand-new application (empty lease table): process start to its first stored record;</li>
 *   <li>the same application restarted: process start to its first stored record;</li>
 *   <li>graceful hand-off, as in a rolling update: a second worker is up, SIGTERM the one holding leases, then a
 *   record on every shard: time until the survivor has stored all of them;</li>
 *   <li>kill -9: the same with the worker holding leases killed.</li>
 * </ol>
 * Prints the figures and writes {@code benchmarks/results/startup.csv}. Usage: {@code scripts/measure-startup.sh [runs]}.
 * Every KCL setting is the service's production default.
 */
public final class StartupBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger("bench");
    private static final String STREAM = "startup";

    private StartupBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        Path root = Path.of(System.getProperty("logstream.root", "."));
        Path results = root.resolve("benchmarks/results");
        Files.createDirectories(results);
        Map<String, List<Double>> figures = new LinkedHashMap<>();
        try (LocalAws aws = LocalAws.start(KinesisEngine.Kind.KINESIS_MOCK)) {
            aws.createStream(STREAM, 4);
            aws.createLogsTable("startup-logs");
            String queue = aws.createQueue("startup-dlq");
            List<String> shardKeys = aws.kinesis().listShards(b -> b.streamName(STREAM)).shards().stream()
                    .map(Shard::hashKeyRange).map(range -> range.startingHashKey()).toList();
            for (int run = 1; run <= runs; run++) {
                String app = "startup-app-" + run;
                aws.createLeaseTable(app);
                List<String> properties = new ArrayList<>(ConsumerProperties.asPairs(
                        ConsumerProperties.wiring(STREAM, app, "startup-logs", queue)));
                properties.addAll(List.of("LOG_FORMAT=text", "KCL_LOG_LEVEL=INFO"));
                Path logs = results.resolve("startup-logs");
                Files.createDirectories(logs);

                putOnePerShard(aws, shardKeys);
                ConsumerProcess first = ConsumerProcess.start(root, aws, properties, logs.resolve(run + "-a.log"));
                record(figures, "brand-new application: process start -> first record stored (s)",
                        since(first.startedNanos, () -> first.stored() >= 1));
                await(() -> first.stored() >= 4, 60);

                long stopping = System.nanoTime();
                first.stopGracefully();
                record(figures, "graceful stop of a lone worker: SIGTERM -> exit (s)", since(stopping, () -> true));

                putOnePerShard(aws, shardKeys);
                ConsumerProcess restarted = ConsumerProcess.start(root, aws, properties, logs.resolve(run + "-b.log"));
                record(figures, "restarted worker: process start -> first record stored (s)",
                        since(restarted.startedNanos, () -> restarted.stored() >= 1));
                await(() -> restarted.stored() >= 4, 60);

                ConsumerProcess second = ConsumerProcess.start(root, aws, properties, logs.resolve(run + "-c.log"));
                awaitReady(restarted, second);
                double before = second.stored();
                long handOff = System.nanoTime();
                restarted.stopGracefully();
                putOnePerShard(aws, shardKeys);
                record(figures, "graceful hand-off: SIGTERM -> survivor stored a record of every shard (s)",
                        since(handOff, () -> second.stored() >= before + 4));

                ConsumerProcess third = ConsumerProcess.start(root, aws, properties, logs.resolve(run + "-d.log"));
                awaitReady(second, third);
                ConsumerProcess victim = second.shards().isEmpty() ? third : second;
                ConsumerProcess survivor = victim == second ? third : second;
                double survivorBefore = survivor.stored();
                long killed = System.nanoTime();
                victim.kill();
                putOnePerShard(aws, shardKeys);
                record(figures, "kill -9: kill -> survivor stored a record of every shard (s)",
                        since(killed, () -> survivor.stored() >= survivorBefore + 4));
                survivor.stopGracefully();
                LOG.info("run {} done: {}", run, figures);
            }
        }
        StringBuilder table = new StringBuilder(String.format("%n%-76s %8s %8s%n", "measure (production KCL defaults)",
                "median", "max"));
        StringBuilder csv = new StringBuilder("measure,run,seconds\n");
        figures.forEach((name, values) -> {
            List<Double> sorted = values.stream().sorted().toList();
            table.append(String.format("%-76s %8.1f %8.1f%n", name, sorted.get(sorted.size() / 2),
                    sorted.get(sorted.size() - 1)));
            for (int i = 0; i < values.size(); i++) {
                csv.append('"').append(name).append("\",").append(i + 1).append(',')
                        .append(String.format("%.2f", values.get(i))).append('\n');
            }
        });
        Files.writeString(results.resolve("startup.csv"), csv);
        LOG.info(table.toString());
        System.exit(0);
    }

    private static void record(Map<String, List<Double>> figures, String name, double seconds) {
        figures.computeIfAbsent(name, n -> new ArrayList<>()).add(seconds);
        LOG.info("{}: {} s", name, String.format("%.1f", seconds));
    }

    private static void putOnePerShard(LocalAws aws, List<String> shardKeys) {
        List<PutRecordsRequestEntry> entries = shardKeys.stream().map(key -> PutRecordsRequestEntry.builder()
                .partitionKey("p").explicitHashKey(key).data(SdkBytes.fromUtf8String(
                        LogPayload.of("startup").message("m").id(UUID.randomUUID().toString()).json())).build())
                .toList();
        aws.kinesis().putRecords(b -> b.streamName(STREAM).records(entries));
    }

    /** {@code holder} holds leases and {@code joiner} is up; whether KCL gives the joiner a share is its own choice. */
    private static void awaitReady(ConsumerProcess holder, ConsumerProcess joiner) throws InterruptedException {
        await(() -> !holder.shards().isEmpty() && joiner.healthy(), 180);
        Thread.sleep(3000); // the joiner's worker has registered and taken what it is given
    }

    private static double since(long startNanos, BooleanSupplier condition) throws InterruptedException {
        await(condition, 180);
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void await(BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not reached within " + seconds + " s");
            }
            Thread.sleep(50);
        }
    }
}
