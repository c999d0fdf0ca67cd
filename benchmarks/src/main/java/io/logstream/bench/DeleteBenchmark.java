package io.logstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.localaws.ConsumerProperties;
import io.logstream.localaws.DynamoDbLimitProxy;
import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LocalIdentity;
import io.logstream.localaws.LogPayload;
import io.logstream.model.Counts;
import io.logstream.model.LogItemMapper;
import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Deletes against ingest (docs/retention.md): a delete request of {@value #MATCHED} records of {@value #SEEDED} through
 * query-service at a write-unit budget, while the consumer ingests at a steady rate; the ingest's put -> stored
 * latency (when DynamoDB accepted each record's write, through the run's proxy) with and without the delete, in the
 * same run, the delete's records/s and write units/s, and, before any figure, that the delete was exact: the records
 * left and the counts equal.
 * Arguments: write units a second (default 500), ingest records a second (default 300), seconds a phase (60).
 */
public final class DeleteBenchmark {
    private static final String STREAM = "log-stream";
    private static final String TABLE = "delete-bench";
    private static final String VICTIM = "gdpr";
    private static final int SEEDED = 40_000;
    private static final int MATCHED = SEEDED / 2;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private DeleteBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int wcu = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        Path root = Path.of(System.getProperty("logstream.root", "."));
        Path results = root.resolve("benchmarks/results");
        Files.createDirectories(results);
        try (LocalAws aws = LocalAws.start(); LocalIdentity identity = LocalIdentity.start();
             DynamoDbLimitProxy dynamo = new DynamoDbLimitProxy(aws, 1_000_000)) {
            aws.createStream(STREAM, 2);
            aws.createLogsTable(TABLE);
            aws.createLeaseTable("delete-bench-app");
            seed(aws);
            List<String> properties = new ArrayList<>(ConsumerProperties.asPairs(ConsumerProperties.wiring(STREAM,
                    "delete-bench-app", TABLE, aws.createQueue("delete-bench-dlq"))));
            properties.add("aws.services.dynamodb.endpoint-override=" + dynamo.endpoint());
            try (ConsumerProcess consumer = ConsumerProcess.start(root, aws, properties,
                    results.resolve("deletes-consumer.log"))) {
                QueryService query = QueryService.start(root, aws, identity, TABLE, List.of(
                        "-Dlog-stream.deletes.write-units-per-second=" + wcu,
                        "-Dlog-stream.deletes.cancel-period=0s"), results.resolve("deletes-query.log"));
                try {
                    run(aws, dynamo, identity, query, wcu, rate, seconds, results);
                } finally {
                    query.process().destroy();
                    query.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
                }
            }
        }
    }

    /** The victim's records (every other one names user-42) and their counts, as the consumer would have left them. */
    private static void seed(LocalAws aws) {
        long base = System.currentTimeMillis() - 3_600_000L;
        List<LogRecord> records = new ArrayList<>();
        for (int i = 0; i < SEEDED; i++) {
            long ts = base + i * 50L;
            records.add(new LogRecord(VICTIM, i % 10 == 0 ? LogLevel.ERROR : LogLevel.INFO, "signup of "
                    + (i % 2 == 0 ? "user-42" : "user-" + (100 + i % 89)) + " #" + i, ts, "g-" + i, null,
                    "web-" + i % 4, Map.of(), ts));
        }
        IntStream.range(0, 16).parallel().forEach(part -> {
            List<LogRecord> mine = records.subList(part * SEEDED / 16, (part + 1) * SEEDED / 16);
            for (int i = 0; i < mine.size(); i += 25) {
                List<WriteRequest> writes = mine.subList(i, Math.min(i + 25, mine.size())).stream()
                        .map(r -> WriteRequest.builder().putRequest(PutRequest.builder()
                                .item(LogItemMapper.toItem(r, null)).build()).build()).toList();
                aws.dynamoDb().batchWriteItem(b -> b.requestItems(Map.of(TABLE, writes)));
            }
        });
        Counts.items(VICTIM, records, Counts.position("1", 0), "shardId-000000009999")
                .forEach(item -> aws.dynamoDb().putItem(b -> b.tableName(TABLE).item(item)));
    }

    private static void run(LocalAws aws, DynamoDbLimitProxy dynamo, LocalIdentity identity, QueryService query,
                            int wcu, int rate, int seconds, Path results) throws Exception {
        URI base = URI.create("http://127.0.0.1:" + query.port());
        String admin = identity.adminToken("bench-admin");
        Thread.sleep(20_000); // the consumer takes its leases; the first watermarks are written

        long[] before = new long[4];
        List<Double> quiet = ingest(aws, dynamo, "a", rate, seconds, () -> before[1] = System.nanoTime(),
                () -> before[3] = System.nanoTime());
        HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(base.resolve("/loki/api/v1/delete?query="
                        + URLEncoder.encode("{service=\"" + VICTIM + "\"} |= \"user-42\"", StandardCharsets.UTF_8)
                        + "&start=0")).header("Authorization", "Bearer " + admin)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() != 204) {
            throw new IllegalStateException("delete request refused: " + created.statusCode() + " " + created.body());
        }
        long[] phase = new long[4]; // deleted and time when the puts began and when they ended
        List<Double> busy = ingest(aws, dynamo, "b", rate, seconds, () -> {
            phase[0] = deletedLines(base, admin);
            phase[1] = System.nanoTime();
        }, () -> {
            phase[2] = deletedLines(base, admin);
            phase[3] = System.nanoTime();
        });
        long deletedInPhase = phase[2] - phase[0];
        double phaseSeconds = (phase[3] - phase[1]) / 1e9;
        JsonNode done = request(base, admin);
        for (int i = 0; i < 1200 && !done.path("status").asText().equals("processed"); i++) {
            Thread.sleep(500);
            done = request(base, admin);
        }
        if (!done.path("status").asText().equals("processed")) {
            throw new IllegalStateException("the delete did not finish: " + done);
        }
        // exact before any figure: the victim's records and counts are the other half, record for record
        long left = aws.dynamoDb().queryPaginator(b -> b.tableName(TABLE).keyConditionExpression("pk = :pk")
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(VICTIM)))).items().stream()
                .filter(item -> !item.get(LogItemMapper.MESSAGE).s().contains("user-42 ")).count();
        long all = aws.dynamoDb().queryPaginator(b -> b.tableName(TABLE).keyConditionExpression("pk = :pk")
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(VICTIM)))).items().stream().count();
        Counts.Tally counted = new Counts.Tally();
        aws.dynamoDb().queryPaginator(b -> b.tableName(TABLE).keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(Counts.levelsPk(VICTIM)))))
                .items().forEach(item -> counted.add(Counts.levelsOf(item)));
        long countedRecords = counted.records(LogLevel.INFO) + counted.records(LogLevel.ERROR);
        long deleted = done.path("deleted_lines").asLong();
        if (deleted != MATCHED || all != SEEDED - MATCHED || left != all || countedRecords != all) {
            throw new IllegalStateException("not exact: deleted " + deleted + ", left " + all + " (" + left
                    + " not matching), counted " + countedRecords);
        }
        long[] after = new long[4];
        List<Double> warm = ingest(aws, dynamo, "c", rate, seconds, () -> after[1] = System.nanoTime(),
                () -> after[3] = System.nanoTime());
        double processSeconds = done.path("finished_at").asDouble() - done.path("started_at").asDouble();
        double units = scrape(base, "logstream_deletes_write_units_total");
        int records = quiet.size();
        String report = String.format(Locale.ROOT, """
                        deletes at %d write units/s while ingesting (asked %d records/s; %d records a phase, put at the rates below)
                        deleted %d of %d records, exact (records left %d, counted %d)
                        delete throughput: %.0f records/s over the whole request (%.1f s); %.0f records/s while the puts ran (%d records in %.0f s)
                        write units charged: %.0f, %.0f units/s, %.2f units per record deleted
                        ingest put -> stored (ms)   before the delete: p50 %.0f, p99 %.0f, max %.0f (put at %.0f records/s)
                                                   during the delete: p50 %.0f, p99 %.0f, max %.0f (put at %.0f records/s)
                                                   after the delete:  p50 %.0f, p99 %.0f, max %.0f (put at %.0f records/s)
                        p99 during / after: %.2f, during / before: %.2f
                        """, wcu, rate, records, deleted, SEEDED, all, countedRecords, deleted / processSeconds,
                processSeconds, deletedInPhase / phaseSeconds, deletedInPhase, phaseSeconds, units,
                units / processSeconds, units / deleted,
                p(quiet, 0.5), p(quiet, 0.99), p(quiet, 1.0), records / ((before[3] - before[1]) / 1e9),
                p(busy, 0.5), p(busy, 0.99), p(busy, 1.0), busy.size() / phaseSeconds,
                p(warm, 0.5), p(warm, 0.99), p(warm, 1.0), warm.size() / ((after[3] - after[1]) / 1e9),
                p(busy, 0.99) / p(warm, 0.99), p(busy, 0.99) / p(quiet, 0.99));
        System.out.print(report);
        Files.writeString(results.resolve("deletes.txt"), report, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Puts {@code rate} records a second for {@code seconds}; each one's put -> stored in ms, once all are stored. */
    private static List<Double> ingest(LocalAws aws, DynamoDbLimitProxy dynamo, String phase, int rate, int seconds,
                                       Runnable began, Runnable ended) throws InterruptedException {
        began.run();
        Map<Long, Long> putAt = new java.util.concurrent.ConcurrentHashMap<>();
        PacedPuts puts = PacedPuts.start(aws.kinesis(), STREAM, rate, seconds, (n, at) -> {
            putAt.put(n, at);
            return LogPayload.of("load-" + n % 6).message("load " + n).ts(at).id(phase + "-" + n).host("h-" + n % 3)
                    .bytes();
        });
        while (puts.running()) {
            Thread.sleep(200);
        }
        ended.run();
        List<Double> latencies = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 120_000;
        for (Map.Entry<Long, Long> put : putAt.entrySet()) {
            long n = put.getKey();
            String sk = LogKeys.sortKey(put.getValue(), phase + "-" + n);
            Long stored = dynamo.firstWrittenAt(TABLE, "load-" + n % 6, sk);
            while (stored == null && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
                stored = dynamo.firstWrittenAt(TABLE, "load-" + n % 6, sk);
            }
            if (stored == null) {
                throw new IllegalStateException("record " + phase + "-" + n + " was never stored");
            }
            latencies.add((double) (stored - put.getValue()));
        }
        latencies.sort(Double::compare);
        return latencies;
    }

    private static double p(List<Double> values, double q) {
        return PipelineBenchmark.percentile(values, q);
    }

    private static long deletedLines(URI base, String admin) {
        try {
            return request(base, admin).path("deleted_lines").asLong();
        } catch (Exception e) {
            throw new IllegalStateException("the delete requests could not be listed", e);
        }
    }

    private static JsonNode request(URI base, String admin) throws Exception {
        JsonNode listed = JSON.readTree(HTTP.send(HttpRequest.newBuilder(base.resolve("/loki/api/v1/delete"))
                .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString()).body());
        return listed.get(0);
    }

    private static double scrape(URI base, String metric) throws Exception {
        String text = HTTP.send(HttpRequest.newBuilder(base.resolve("/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(metric)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
