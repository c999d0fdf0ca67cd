package io.logstream.bench;

import io.logstream.localaws.ConsumerProperties;
import io.logstream.localaws.DynamoDbLimitProxy;
import io.logstream.localaws.KinesisEngine;
import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LogPayload;
import io.logstream.model.Counts;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What the counts cost (docs/counts.md), in one run on kinesalite and DynamoDB Local behind the metering proxy:
 * <ol>
 *   <li>write units per stored record with counts off and on, at the benchmark mix (50 services of 4 hosts each,
 *   4 shards, 2,000 records/s of about 300 bytes, mixed levels), everything the proxy meters included (records,
 *   counts, catalogue, watermarks, KCL's leases and checkpoints);</li>
 *   <li>a 24-hour volume of one service on 4 shards, {@code GET /v1/services/{service}/volume} of query-service over
 *   HTTP in this process: latency p50/p99 over repeated reads and the bytes DynamoDB reports reading (strongly
 *   consistent read units x 4 KB).</li>
 * </ol>
 * Usage: {@code scripts/bench-counts.sh [seconds=30]} ({@code WRITE_RUNS=0} measures the volume only); results in {@code benchmarks/results/counts.{txt,csv}}.
 */
public final class CountsBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger("bench");
    private static final int RATE = 2000;
    private static final int SERVICES = 50;

    private CountsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        Path root = Path.of(System.getProperty("logstream.root", "."));
        Path results = root.resolve("benchmarks/results");
        Files.createDirectories(results);
        Measures writes = new Measures("write cost at " + RATE + " records/s, " + SERVICES + " services, 4 shards, "
                + seconds + " s a run");
        Measures volume = new Measures("24-hour volume of one service, 4 shards, GET /v1/services/{service}/volume");
        try (LocalAws aws = LocalAws.start(KinesisEngine.Kind.KINESALITE)) {
            if (!"0".equals(System.getenv("WRITE_RUNS"))) {
                double off = writeUnits(aws, root, results, "off", false, seconds);
                double on = writeUnits(aws, root, results, "on", true, seconds);
                writes.add("counts off: write units per stored record", "off_units_per_record", off, 3);
                writes.add("counts on: write units per stored record", "on_units_per_record", on, 3);
                writes.add("counts on / off (goal <= 1.05)", "ratio", on / off, 3);
            }
            dayVolume(aws, volume);
        }
        StringBuilder table = new StringBuilder(writes.table()).append(volume.table());
        LOG.info(table.toString());
        Files.writeString(results.resolve("counts.txt"), table);
        Files.writeString(results.resolve("counts.csv"), writes.csv() + volume.csv().substring("measure,value\n".length()));
        System.exit(0);
    }

    /** Every write unit the proxy metered over the records stored, counts on or off. */
    private static double writeUnits(LocalAws aws, Path root, Path results, String name, boolean counts, int seconds)
            throws Exception {
        String stream = "counts-" + name;
        aws.createStream(stream, 4);
        aws.createLogsTable(stream);
        String queue = aws.createQueue(stream + "-dlq");
        try (DynamoDbLimitProxy metered = new DynamoDbLimitProxy(aws, DynamoDbLimitProxy.UNLIMITED)) {
            List<String> properties = new ArrayList<>(ConsumerProperties.asPairs(
                    ConsumerProperties.wiring(stream, stream + "-app", stream, queue)));
            properties.addAll(List.of("log-stream.kcl.lease-assignment-strategy=LEASE_COUNT_BASED", "LOG_FORMAT=text",
                    "aws.services.dynamodb.endpoint-override=" + metered.endpoint(), "COUNTS=" + counts));
            ConsumerProcess consumer = ConsumerProcess.start(root, aws, properties,
                    results.resolve("counts-consumer-" + name + ".log"));
            long ready = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (consumer.shards().size() < 4 && System.nanoTime() < ready) {
                Thread.sleep(200);
            }
            Thread.sleep(3000);
            long before = units(metered);
            double storedBefore = consumer.stored();
            long put = 0;
            long start = System.nanoTime();
            LogLevel[] levels = {LogLevel.INFO, LogLevel.INFO, LogLevel.INFO, LogLevel.DEBUG, LogLevel.WARN,
                LogLevel.ERROR};
            for (int tick = 0; tick < seconds * 10; tick++) {
                List<PutRecordsRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < RATE / 10; i++, put++) {
                    LogPayload payload = LogPayload.of(String.format("svc-%02d", put % SERVICES))
                            .level(levels[(int) (put % levels.length)].name()).host("host-" + (put / SERVICES) % 4)
                            .message("request " + put + " handled in " + (put % 97) + " ms " + "x".repeat(200));
                    entries.add(PutRecordsRequestEntry.builder().partitionKey(UUID.randomUUID().toString())
                            .data(SdkBytes.fromByteArray(payload.bytes())).build());
                }
                Puts.putAll(aws.kinesis(), stream, entries);
                long wait = start + (tick + 1) * 100_000_000L - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000);
                }
            }
            long drained = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (consumer.stored() - storedBefore < put && System.nanoTime() < drained) {
                Thread.sleep(200);
            }
            Thread.sleep(8000); // the last flush and checkpoint of each shard
            double stored = consumer.stored() - storedBefore;
            double perRecord = (units(metered) - before) / stored;
            LOG.info("counts {}: {} put, {} stored, {} write units per record", name, put, stored, perRecord);
            consumer.stopGracefully();
            aws.kinesis().deleteStream(b -> b.streamName(stream));
            return perRecord;
        }
    }

    private static long units(DynamoDbLimitProxy metered) {
        return metered.units().values().stream().mapToLong(Long::longValue).sum();
    }

    /** 24 hours of count items of one service on 4 shards (3 levels, 4 hosts a minute), read over HTTP. */
    private static void dayVolume(LocalAws aws, Measures out) throws Exception {
        String table = "counts-day";
        aws.createLogsTable(table);
        long end = System.currentTimeMillis() / Counts.MINUTE_MILLIS * Counts.MINUTE_MILLIS;
        long first = end - 24 * 60 * Counts.MINUTE_MILLIS + Counts.MINUTE_MILLIS;
        List<WriteRequest> writes = new ArrayList<>();
        LogLevel[] levels = {LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR};
        List<LogRecord> all = new ArrayList<>();
        for (int shard = 0; shard < 4; shard++) {
            List<LogRecord> records = new ArrayList<>();
            for (long minute = first; minute <= end; minute += Counts.MINUTE_MILLIS) {
                for (int i = 0; i < 12; i++) {
                    records.add(new LogRecord("checkout", levels[i % 3], "m".repeat(100), minute - i * 1000, "r" + i,
                            null, "host-" + i % 4, Map.of(), null));
                }
            }
            all.addAll(records);
        }
        for (Map<String, AttributeValue> item : Counts.items("checkout", all, Counts.position("49", 0),
                "shardId-000000000000", "shardId-000000000001", "shardId-000000000002", "shardId-000000000003")) {
            writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
        }
        for (int i = 0; i < writes.size(); i += 25) {
            List<WriteRequest> chunk = writes.subList(i, Math.min(i + 25, writes.size()));
            aws.dynamoDb().batchWriteItem(b -> b.requestItems(Map.of(table, chunk)));
        }
        aws.dynamoDb().putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS(
                io.logstream.model.LedgerKeys.watermarkPk("counts-day-stream")), "sk", AttributeValue.fromS("shardId-0"),
                io.logstream.model.LedgerKeys.COMPLETE_UNTIL, AttributeValue.fromN(Long.toString(end)),
                io.logstream.model.LedgerKeys.COUNTED_UNTIL, AttributeValue.fromN(Long.toString(end)))));
        String path = "/v1/services/checkout/volume?from=" + (first - Counts.MINUTE_MILLIS) + "&to=" + end + "&step=1m";
        try (DynamoDbLimitProxy metered = new DynamoDbLimitProxy(aws, DynamoDbLimitProxy.UNLIMITED)) {
            Timed viaProxy = volumes(aws, table, metered.endpoint().toString(), path, 15, metered);
            out.add("points of the answer (1-minute steps)", "points", viaProxy.points(), 0);
            out.add("records the volume counts (4 shards x 1,440 minutes x 12)", "records", viaProxy.records(), 0);
            out.add("Query calls per volume", "queries", viaProxy.queries(), 0);
            out.add("read units per volume (strongly consistent)", "read_units", viaProxy.readUnits(), 1);
            out.add("bytes read per volume (read units x 4 KB, goal <= 1 MB)", "bytes_read",
                    viaProxy.readUnits() * 4096, 0);
        }
        // latency without the metering proxy in the way: query-service straight on DynamoDB Local
        Timed direct = volumes(aws, table, aws.dynamoDbEndpoint().toString(), path, 60, null);
        out.add("volume over HTTP, p50 (ms, goal <= 50)", "p50_ms", direct.p50Millis(), 1);
        out.add("volume over HTTP, p99 (ms)", "p99_ms", direct.p99Millis(), 1);
        // the engine's own share: the same items read by one plain paginated Query, nothing else
        List<Long> engine = new ArrayList<>();
        for (int run = 0; run < 40; run++) {
            long started = System.nanoTime();
            long items = aws.dynamoDb().queryPaginator(b -> b.tableName(table).consistentRead(true)
                    .keyConditionExpression("pk = :pk AND sk BETWEEN :lo AND :hi")
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(Counts.levelsPk("checkout")),
                            ":lo", AttributeValue.fromS(Counts.lowerBound(Counts.blockEnd(first))),
                            ":hi", AttributeValue.fromS(Counts.upperBound(Counts.blockEnd(end)))))).items().stream()
                    .count();
            if (run >= 10) {
                engine.add((System.nanoTime() - started) / 1000);
            }
            if (items < 1440 / Counts.BLOCK_MINUTES) {
                throw new IllegalStateException(items + " level items read, fewer than a day's");
            }
        }
        out.add("the same items by one plain Query on DynamoDB Local, p50 (ms)", "engine_p50_ms",
                PipelineBenchmark.percentile(engine, 0.5) / 1000.0, 1);
    }

    private record Timed(int points, long records, long queries, double readUnits, double p50Millis,
                         double p99Millis) {
    }

    /** {@code runs} GET requests of {@code path} to a query-service on {@code endpoint}; the first ten warm up. */
    private static Timed volumes(LocalAws aws, String table, String endpoint, String path, int runs,
                                 DynamoDbLimitProxy metered) throws Exception {
        Map<String, Object> properties = new java.util.HashMap<>();
        properties.put("log-stream.table", table);
        properties.put("log-stream.stream", "counts-day-stream");
        properties.put("log-stream.auth.mode", "none");
        properties.put("aws.region", aws.region().id());
        properties.put("aws.services.dynamodb.endpoint-override", endpoint);
        properties.put("micronaut.server.port", "-1");
        properties.put("micronaut.server.host", "127.0.0.1");
        try (io.micronaut.context.ApplicationContext context = io.micronaut.context.ApplicationContext.run(properties)) {
            io.micronaut.runtime.server.EmbeddedServer server = context.getBean(
                    io.micronaut.runtime.server.EmbeddedServer.class).start();
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            URI uri = URI.create(server.getURI() + path);
            List<Long> micros = new ArrayList<>();
            double readUnits = 0;
            long queries = 0;
            long records = 0;
            int points = 0;
            for (int run = 0; run < runs; run++) {
                double unitsBefore = metered == null ? 0 : metered.readUnits.sum();
                long queriesBefore = metered == null ? 0 : metered.queries.sum();
                long started = System.nanoTime();
                java.net.http.HttpResponse<String> response = http.send(java.net.http.HttpRequest.newBuilder(uri)
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                long took = (System.nanoTime() - started) / 1000;
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("volume answered " + response.statusCode() + ": " + response.body());
                }
                if (run >= 10) { // the first ten warm the JIT, the caches and the connections
                    micros.add(took);
                    if (metered != null) {
                        readUnits = metered.readUnits.sum() - unitsBefore;
                        queries = metered.queries.sum() - queriesBefore;
                    }
                }
                com.fasterxml.jackson.databind.JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(response.body());
                points = body.path("points").size();
                long sum = 0;
                for (com.fasterxml.jackson.databind.JsonNode point : body.path("points")) {
                    for (com.fasterxml.jackson.databind.JsonNode n : point.path("records")) {
                        sum += n.asLong();
                    }
                }
                records = sum;
            }
            return new Timed(points, records, queries, readUnits, PipelineBenchmark.percentile(micros, 0.5) / 1000.0,
                    PipelineBenchmark.percentile(micros, 0.99) / 1000.0);
        }
    }
}
