package io.logstream.bench;

import io.logstream.localaws.ConsumerProperties;
import io.logstream.localaws.KinesisEngine;
import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LocalIdentity;
import io.logstream.model.LogItemMapper;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.producer.LogGenerator;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.data.category.DefaultCategoryDataset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline on local engines (kinesalite, DynamoDB Local), in one run: DynamoDB Local's raw BatchWriteItem ceiling
 * with 1, 4 and 8 concurrent writers; consumer-service (its jar, own JVM) draining a pre-filled stream of
 * {@code records} over 4 shards; put-to-queryable latency through query-service (its jar). Prints a table and writes
 * {@code benchmarks/results/pipeline.csv} and {@code pipeline.png}.
 * Usage: {@code scripts/bench-pipeline.sh [records=50000] [probes=100]}.
 */
public final class PipelineBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger("bench");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private PipelineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        run(args);
        // the in-process engines leave a non-daemon worker thread behind; the figures are written, so end here
        System.exit(0);
    }

    private static void run(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int probes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Path root = Path.of(System.getProperty("logstream.root", "."));
        Path results = root.resolve("benchmarks/results");
        Files.createDirectories(results);
        List<Process> processes = new ArrayList<>();
        try (LocalAws aws = LocalAws.start(KinesisEngine.Kind.KINESALITE); LocalIdentity identity = LocalIdentity.start()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> processes.forEach(Process::destroyForcibly)));
            Map<Integer, Double> ceiling = new java.util.LinkedHashMap<>();
            for (int writers : new int[]{1, 4, 8}) {
                ceiling.put(writers, rawCeiling(aws, writers, 12_000));
            }
            LOG.info("raw BatchWriteItem ceiling: {}", ceiling);

            aws.createStream("bench", 4);
            aws.createLogsTable("bench-logs");
            String queue = aws.createQueue("bench-dlq");
            long putStart = System.nanoTime();
            prefill(aws, records);
            LOG.info("pre-filled {} records in {} s", records, String.format("%.1f", (System.nanoTime() - putStart) / 1e9));

            int consumerPort = ConsumerProcess.freePort();
            int queryPort = ConsumerProcess.freePort();
            List<String> common = List.of("-Daws.accessKeyId=local", "-Daws.secretAccessKey=local",
                    "-Daws.cborEnabled=false", "-Daws.region=us-east-2",
                    "-Daws.services.kinesis.endpoint-override=" + aws.kinesisEndpoint(), "-Daws.services.dynamodb.endpoint-override=" + aws.dynamoDbEndpoint(),
                    "-Daws.services.sqs.endpoint-override=" + aws.sqsEndpoint(), "-Daws.services.eventbridge.endpoint-override=" + aws.eventBridgeEndpoint(),
                    "-Daws.services.cloudwatch.endpoint-override=" + aws.eventBridgeEndpoint());
            List<String> consumer = new ArrayList<>(List.of(ConsumerProcess.java(), "-Xmx1g"));
            consumer.addAll(common);
            ConsumerProperties.asPairs(ConsumerProperties.wiring("bench", "bench-app", "bench-logs", queue))
                    .forEach(pair -> consumer.add("-D" + pair));
            consumer.addAll(List.of("-Dmicronaut.server.port=" + consumerPort, "-Dlog-stream.kcl.http2=false",
                    "-Dlog-stream.kcl.lease-assignment-strategy=LEASE_COUNT_BASED",
                    "-Dlog-stream.kcl.shard-sync-interval=5s", "-Dlog-stream.kcl.idle-time-between-reads=200ms",
                    "-jar", root.resolve("consumer-service/target/consumer-service-0.1.0-all.jar").toString()));
            processes.add(start(consumer, results.resolve("consumer.log")));
            URI metrics = URI.create("http://127.0.0.1:" + consumerPort + "/prometheus");

            double firstStored = 0;
            long firstAt = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
            double stored = 0;
            while (stored < records && System.nanoTime() < deadline) {
                stored = ConsumerProcess.storedAt(metrics);
                if (firstAt == 0 && stored > 0) {
                    firstAt = System.nanoTime();
                    firstStored = stored;
                }
                Thread.sleep(100);
            }
            double drainSeconds = (System.nanoTime() - firstAt) / 1e9;
            double drainRate = (stored - firstStored) / drainSeconds;
            LOG.info("drained {} records in {} s after the first was stored", (long) stored, String.format("%.1f", drainSeconds));

            List<String> query = new ArrayList<>(List.of(ConsumerProcess.java(), "-Xmx512m"));
            query.addAll(common);
            query.addAll(List.of("-Dmicronaut.server.port=" + queryPort, "-Dlog-stream.table=bench-logs",
                    "-Dlog-stream.auth.mode=jwt",
                    "-Dmicronaut.security.token.jwt.signatures.jwks.idp.url=" + identity.jwksUrl(), "-jar",
                    root.resolve("query-service/target/query-service-0.1.0-all.jar").toString()));
            processes.add(start(query, results.resolve("query.log")));
            String authorization = "Bearer " + identity.token("bench", null);
            awaitHealthy(URI.create("http://127.0.0.1:" + queryPort + "/health"));
            List<Double> latencies = putToQueryable(aws, queryPort, probes, authorization);

            double best = ceiling.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
            double p50 = percentile(latencies, 0.5);
            double p99 = percentile(latencies, 0.99);
            String table = String.format("%n%-44s %12s%n", "measure (kinesalite + DynamoDB Local, 2 cores)", "value")
                    + ceiling.entrySet().stream().map(e -> String.format("%-44s %12.0f%n",
                    "raw BatchWriteItem ceiling, " + e.getKey() + " writers (items/s)", e.getValue()))
                    .reduce("", String::concat)
                    + String.format("%-44s %12.0f%n", "consumer drain of " + records + " records (records/s)", drainRate)
                    + String.format("%-44s %11.0f%%%n", "drain / best raw ceiling (goal >= 80 %)", 100 * drainRate / best)
                    + String.format("%-44s %12.0f%n", "put -> queryable p50 (ms, goal <= 400)", p50)
                    + String.format("%-44s %12.0f%n", "put -> queryable p99 (ms, goal <= 1500)", p99);
            LOG.info(table);
            StringBuilder csv = new StringBuilder("measure,value\n");
            ceiling.forEach((w, v) -> csv.append("raw_ceiling_").append(w).append("_writers_items_per_s,")
                    .append(String.format("%.0f", v)).append('\n'));
            csv.append(String.format("drain_records_per_s,%.0f%ndrain_to_ceiling_ratio,%.3f%nput_to_queryable_p50_ms,"
                    + "%.0f%nput_to_queryable_p99_ms,%.0f%nrecords,%d%nprobes,%d%n", drainRate, drainRate / best, p50,
                    p99, records, probes));
            Files.writeString(results.resolve("pipeline.csv"), csv.toString());
            Files.writeString(results.resolve("pipeline.txt"), table);
            chart(ceiling, drainRate, p50, p99, results.resolve("pipeline.png").toFile());
        } finally {
            for (Process process : processes) {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    private static double rawCeiling(LocalAws aws, int writers, int items) throws Exception {
        String table = "ceiling-" + writers;
        aws.createLogsTable(table);
        DynamoDbClient dynamoDb = aws.dynamoDb();
        LogGenerator generator = new LogGenerator(7, 6, 0.03, 0, 150);
        List<List<WriteRequest>> batches = new ArrayList<>();
        List<WriteRequest> batch = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            LogRecord record = new LogRecord("svc-" + i % 6, LogLevel.INFO,
                    new String(generator.next(), StandardCharsets.UTF_8).substring(0, 80), 1723050000000L + i,
                    UUID.randomUUID().toString(), null, "host", Map.of(), 1L);
            batch.add(WriteRequest.builder().putRequest(PutRequest.builder().item(LogItemMapper.toItem(record, null))
                    .build()).build());
            if (batch.size() == 25) {
                batches.add(batch);
                batch = new ArrayList<>();
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (List<WriteRequest> b : batches) {
            futures.add(pool.submit(() -> {
                List<WriteRequest> pending = b;
                while (!pending.isEmpty()) {
                    List<WriteRequest> current = pending;
                    BatchWriteItemResponse response = dynamoDb.batchWriteItem(r -> r.requestItems(Map.of(table, current)));
                    pending = response.unprocessedItems().getOrDefault(table, List.of());
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        double rate = batches.size() * 25 / ((System.nanoTime() - start) / 1e9);
        pool.shutdownNow();
        return rate;
    }

    private static void prefill(LocalAws aws, int records) throws Exception {
        LogGenerator generator = new LogGenerator(3, 6, 0.03, 0, 150);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int start = 0; start < records; start += 500) {
            List<PutRecordsRequestEntry> entries = new ArrayList<>();
            for (int i = start; i < Math.min(records, start + 500); i++) {
                entries.add(PutRecordsRequestEntry.builder().data(SdkBytes.fromByteArray(generator.next()))
                        .partitionKey(Integer.toString(i)).build());
            }
            futures.add(pool.submit(() -> {
                List<PutRecordsRequestEntry> pending = entries;
                while (!pending.isEmpty()) {
                    List<PutRecordsRequestEntry> current = pending;
                    var response = aws.kinesis().putRecords(b -> b.streamName("bench").records(current));
                    List<PutRecordsRequestEntry> failed = new ArrayList<>();
                    for (int i = 0; i < current.size(); i++) {
                        if (response.records().get(i).errorCode() != null) {
                            failed.add(current.get(i));
                        }
                    }
                    pending = failed;
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdownNow();
    }

    private static List<Double> putToQueryable(LocalAws aws, int queryPort, int probes, String authorization) throws Exception {
        List<Double> latencies = new ArrayList<>();
        for (int i = 0; i < probes; i++) {
            String id = "probe-" + i + "-" + UUID.randomUUID().toString().substring(0, 8);
            String json = "{\"service\":\"latency-probe\",\"level\":\"INFO\",\"message\":\"probe\",\"id\":\"" + id + "\"}";
            URI uri = URI.create("http://127.0.0.1:" + queryPort + "/v1/services/latency-probe/logs?limit=1");
            long start = System.nanoTime();
            aws.kinesis().putRecord(b -> b.streamName("bench").partitionKey(id).data(SdkBytes.fromUtf8String(json)));
            while (true) {
                String body = HTTP.send(HttpRequest.newBuilder(uri).header("Authorization", authorization).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (body.contains(id)) {
                    break;
                }
                if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(30)) {
                    throw new IllegalStateException("probe " + id + " not queryable after 30 s");
                }
                Thread.sleep(10);
            }
            latencies.add((System.nanoTime() - start) / 1e6);
            Thread.sleep(50);
        }
        return latencies;
    }

    private static void awaitHealthy(URI health) throws InterruptedException {
        for (int i = 0; i < 240; i++) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode() == 200) {
                    return;
                }
            } catch (Exception notYet) {
                // starting
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(health + " never became healthy");
    }

    private static Process start(List<String> command, Path log) throws Exception {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static double percentile(List<Double> values, double p) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
    }

    private static void chart(Map<Integer, Double> ceiling, double drain, double p50, double p99, File png)
            throws Exception {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        ceiling.forEach((writers, rate) -> data.addValue(rate, "records/s", "raw, " + writers + " writers"));
        data.addValue(drain, "records/s", "consumer drain");
        JFreeChart chart = ChartFactory.createBarChart(String.format(
                        "log-stream on local engines: drain vs DynamoDB Local ceiling (put->queryable p50 %.0f ms, p99 %.0f ms)",
                        p50, p99), "", "records/s", data);
        ChartUtils.saveChartAsPNG(png, chart, 1000, 500);
    }
}
