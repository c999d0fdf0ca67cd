package io.logstream.bench;

import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LocalIdentity;
import io.logstream.model.LogItemMapper;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.logql.LogQl;
import io.logstream.query.logql.LogQlParser;
import io.logstream.query.logql.Pipeline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cost of LogQL's pipeline and of an exact quantile, on DynamoDB Local, in one run:
 * <ul>
 *   <li>records filtered per CPU-second of query-service (its own JVM; utime + stime) for
 *   {@code sum(count_over_time({service="checkout"} | json | status >= 500 [1h]))} and for the line filter alone
 *   {@code sum(count_over_time({service="checkout"} |= "\"status\":5" [1h]))}, on the same records, interleaved in rounds;
 *   both count the same records, checked against the seed;</li>
 *   <li>the same two filters on one thread in this JVM over the records' lines, without DynamoDB: the pipeline's own
 *   cost against the line filter's;</li>
 *   <li>a 1-hour {@code quantile_over_time(0.99, ... | unwrap latencyMs [1h])} (and {@code by (route)} over
 *   {@code | json}) over every record: latency p50 and p99 over the rounds, checked against the quantile computed
 *   here, and the DynamoDB read units reading those records costs (a Scan of the same items with
 *   {@code ReturnConsumedCapacity=TOTAL}, eventually consistent as the service reads).</li>
 * </ul>
 * Writes {@code benchmarks/results/logql.txt} and {@code logql.csv}. Usage:
 * {@code scripts/bench-logql.sh [records=100000] [rounds=7]}.
 */
public final class LogQlBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger("bench");
    private static final String TABLE = "bench-logql";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final Pattern VALUE = Pattern.compile("\"value\":\\[[0-9.]+,\"([^\"]+)\"]");
    private static final String LINE = "sum(count_over_time({service=\"checkout\"} |= \"\\\"status\\\":5\" [1h]))";
    private static final String PIPELINE = "sum(count_over_time({service=\"checkout\"} | json | status >= 500 [1h]))";
    private static final String QUANTILE = "quantile_over_time(0.99, {service=\"checkout\"} | unwrap latencyMs [1h]) "
            + "by ()";
    private static final String QUANTILE_BY_ROUTE = "quantile_over_time(0.99, {service=\"checkout\"} | json "
            + "| unwrap latencyMs [1h]) by (route)";

    private LogQlBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        run(args);
        System.exit(0); // the in-process engines leave a non-daemon thread behind
    }

    private static void run(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Path root = Path.of(System.getProperty("logstream.root", "."));
        Path results = root.resolve("benchmarks/results");
        Files.createDirectories(results);
        long end = (System.currentTimeMillis() / 60_000) * 60_000;
        long start = end - 3_600_000;
        List<LogRecord> records = records(count, start, end);
        Process process = null;
        try (LocalAws aws = LocalAws.start(); LocalIdentity identity = LocalIdentity.start()) {
            aws.createLogsTable(TABLE);
            long seeded = System.nanoTime();
            seed(aws.dynamoDb(), records);
            LOG.info("seeded {} records in {} s", count, (System.nanoTime() - seeded) / 1_000_000_000);
            QueryService service = QueryService.start(root, aws, identity, TABLE,
                    List.of("-Dlog-stream.reads.deadline=60s", "-Dlog-stream.reads.budget-pages=1000"),
                    results.resolve("logql-bench-service.log"));
            process = service.process();
            String token = identity.token("bench", LocalIdentity.ALL_SERVICES);
            Client client = new Client(URI.create("http://127.0.0.1:" + service.port()), token, end);

            long errors = records.stream().filter(r -> status(r) >= 500).count();
            double p99 = quantile(0.99, records.stream().mapToDouble(LogQlBenchmark::latency).toArray());
            // correctness first: the figures below are of answers that are right
            check(client.value(LINE), errors, LINE);
            check(client.value(PIPELINE), errors, PIPELINE);
            double answered = Double.parseDouble(client.value(QUANTILE));
            if (Math.abs(answered - p99) > 1e-9 * Math.max(1, p99)) {
                throw new IllegalStateException(QUANTILE + " answered " + answered + ", the records say " + p99);
            }
            // warm the service's JIT on every query before anything is measured
            for (int i = 0; i < 3; i++) {
                for (String q : List.of(LINE, PIPELINE, QUANTILE, QUANTILE_BY_ROUTE)) {
                    client.value(q);
                }
            }
            Map<String, List<double[]>> runs = new LinkedHashMap<>(); // query -> [wall ms, cpu s]
            for (int round = 0; round < rounds; round++) {
                for (String q : List.of(LINE, PIPELINE, QUANTILE, QUANTILE_BY_ROUTE)) {
                    Duration cpuBefore = process.toHandle().info().totalCpuDuration().orElseThrow();
                    long t0 = System.nanoTime();
                    client.value(q);
                    double wallMs = (System.nanoTime() - t0) / 1e6;
                    Duration cpuAfter = process.toHandle().info().totalCpuDuration().orElseThrow();
                    runs.computeIfAbsent(q, k -> new ArrayList<>()).add(new double[]{wallMs,
                            (cpuAfter.toNanos() - cpuBefore.toNanos()) / 1e9});
                }
            }
            double[] inProcess = inProcess(records, rounds);
            double rcu = readUnits(aws.dynamoDb());
            report(results, runs, inProcess, rcu, count, rounds, errors, p99);
        } finally {
            if (process != null) {
                process.destroy();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Records over the hour before {@code end}: JSON lines with a route, a status and a latency, also attributes. */
    static List<LogRecord> records(int count, long start, long end) {
        Random random = new Random(42);
        List<LogRecord> records = new ArrayList<>(count);
        long span = end - start;
        for (int i = 0; i < count; i++) {
            int status = random.nextInt(100) < 3 ? 500 + random.nextInt(4) : random.nextInt(100) < 10 ? 404 : 200;
            double latency = Math.round(Math.exp(random.nextGaussian() + 4) * 100) / 100.0;
            String route = "/r" + random.nextInt(5);
            String line = "{\"route\":\"" + route + "\",\"status\":" + status + ",\"latencyMs\":" + latency
                    + ",\"user\":\"u" + random.nextInt(1000) + "\",\"msg\":\"request handled\"}";
            long ts = start + 1 + (long) ((double) i * (span - 1) / count);
            Map<String, Object> attributes = Map.of("latencyMs", java.math.BigDecimal.valueOf(latency), "route", route);
            records.add(new LogRecord("checkout", status >= 500 ? LogLevel.ERROR : LogLevel.INFO, line, ts,
                    "id-" + i, null, "host-" + (i % 4), attributes, ts));
        }
        return records;
    }

    private static int status(LogRecord r) {
        Matcher m = Pattern.compile("\"status\":(\\d+)").matcher(r.message());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static double latency(LogRecord r) {
        return ((java.math.BigDecimal) r.attributes().get("latencyMs")).doubleValue();
    }

    private static void seed(DynamoDbClient dynamoDb, List<LogRecord> records) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < records.size(); i += 25) {
                List<WriteRequest> chunk = records.subList(i, Math.min(i + 25, records.size())).stream()
                        .map(r -> WriteRequest.builder().putRequest(PutRequest.builder()
                                .item(LogItemMapper.toItem(r, null)).build()).build()).toList();
                done.add(pool.submit(() -> {
                    Map<String, List<WriteRequest>> pending = Map.of(TABLE, chunk);
                    while (!pending.isEmpty()) {
                        Map<String, List<WriteRequest>> now = pending;
                        pending = dynamoDb.batchWriteItem(b -> b.requestItems(now)).unprocessedItems();
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** The Loki API, instant queries at the hour's end. */
    private record Client(URI base, String token, long end) {
        private static final HttpClient HTTP = HttpClient.newHttpClient();

        /** The first series' value (the one series of these queries, or the first route's). */
        String value(String query) throws Exception {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(base.resolve("/loki/api/v1/query?query="
                            + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&time=" + end * 1_000_000L))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(query + ": " + response.statusCode() + " " + response.body());
            }
            Matcher m = VALUE.matcher(response.body());
            if (!m.find()) {
                throw new IllegalStateException(query + ": no value in " + response.body());
            }
            return m.group(1);
        }
    }

    private static void check(String answer, long expected, String query) {
        if (Double.parseDouble(answer) != expected) {
            throw new IllegalStateException(query + " answered " + answer + ", the records say " + expected);
        }
    }

    /** Prometheus's quantile, to check the service's answer. */
    static double quantile(double q, double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double rank = q * (sorted.length - 1);
        int lower = (int) Math.floor(rank);
        int upper = Math.min(sorted.length - 1, lower + 1);
        return sorted[lower] + (rank - lower) * (sorted[upper] - sorted[lower]);
    }

    /** Records per CPU-second on one thread here: [line filter, json pipeline], best of the rounds. */
    private static double[] inProcess(List<LogRecord> records, int rounds) {
        LogQl.Query line = LogQlParser.parseLog("{service=\"checkout\"} |= \"\\\"status\\\":5\"");
        LogQl.Query pipeline = LogQlParser.parseLog("{service=\"checkout\"} | json | status >= 500");
        Map<String, String> stream = Map.of("service", "checkout", "level", "INFO", "host", "host-0");
        double[] best = new double[2];
        for (int round = 0; round < rounds + 2; round++) { // two rounds to warm the JIT
            long t0 = THREADS.getCurrentThreadCpuTime();
            long kept = 0;
            for (LogRecord r : records) {
                kept += line.lineMatches(r.message()) ? 1 : 0;
            }
            long t1 = THREADS.getCurrentThreadCpuTime();
            long keptByPipeline = 0;
            for (LogRecord r : records) {
                keptByPipeline += Pipeline.run(pipeline.pipeline(), r.message(), stream, Map.of()) != null ? 1 : 0;
            }
            long t2 = THREADS.getCurrentThreadCpuTime();
            if (kept != keptByPipeline) {
                throw new IllegalStateException("in process: the line filter kept " + kept + ", the pipeline "
                        + keptByPipeline);
            }
            if (round >= 2) {
                best[0] = Math.max(best[0], records.size() / ((t1 - t0) / 1e9));
                best[1] = Math.max(best[1], records.size() / ((t2 - t1) / 1e9));
            }
        }
        return best;
    }

    /** Read units a Scan of every seeded item consumes, as DynamoDB Local reports them (eventually consistent). */
    private static double readUnits(DynamoDbClient dynamoDb) {
        double units = 0;
        Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> startKey = null;
        do {
            var exclusive = startKey;
            ScanResponse page = dynamoDb.scan(b -> b.tableName(TABLE).returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                    .exclusiveStartKey(exclusive));
            if (page.consumedCapacity() != null && page.consumedCapacity().capacityUnits() != null) {
                units += page.consumedCapacity().capacityUnits();
            }
            startKey = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (startKey != null);
        return units;
    }

    private static double percentile(List<Double> values, double q) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }

    private static void report(Path results, Map<String, List<double[]>> runs, double[] inProcess, double rcu,
                               int count, int rounds, long errors, double p99) throws Exception {
        StringBuilder table = new StringBuilder(String.format("%nLogQL over %,d records of one hour (%,d with status"
                + " >= 500; p99 latency %.2f ms), %d rounds interleaved, %d cores%n%n%-82s %9s %9s %12s %14s%n",
                count, errors, p99, rounds, CpuMeter.cores(), "query (instant, at the hour's end)", "p50", "p99",
                "CPU/query", "records/CPU-s"));
        StringBuilder csv = new StringBuilder("query,p50_ms,p99_ms,cpu_s_per_query,records_per_cpu_s\n");
        Map<String, Double> perCpu = new TreeMap<>();
        runs.forEach((query, list) -> {
            List<Double> wall = list.stream().map(r -> r[0]).toList();
            double cpu = list.stream().mapToDouble(r -> r[1]).average().orElseThrow();
            double rate = count / cpu;
            perCpu.put(query, rate);
            table.append(String.format("%-82s %7.0fms %7.0fms %10.2f s %14.0f%n", query, percentile(wall, 0.5),
                    percentile(wall, 0.99), cpu, rate));
            csv.append(String.format("\"%s\",%.1f,%.1f,%.3f,%.0f%n", query.replace("\"", "\"\""),
                    percentile(wall, 0.5), percentile(wall, 0.99), cpu, rate));
        });
        double ratio = perCpu.get(PIPELINE) / perCpu.get(LINE);
        table.append(String.format("%nservice, | json | status >= 500 against the line filter: %.0f %% of its records "
                + "per CPU-second (goal >= 50 %%)%n", 100 * ratio));
        table.append(String.format("in process, one thread, no DynamoDB: line filter %,.0f records/CPU-s, json "
                + "pipeline %,.0f records/CPU-s (%.0f %%)%n", inProcess[0], inProcess[1],
                100 * inProcess[1] / inProcess[0]));
        table.append(String.format("reading the %,d records costs %.1f DynamoDB read units (eventually consistent, "
                + "as DynamoDB Local reports a Scan of the same items); quantile goal: p50 <= 2000 ms%n", count, rcu));
        csv.append(String.format("pipeline_to_line_ratio,%.3f,,,%n", ratio));
        csv.append(String.format("in_process_line,,,,%.0f%nin_process_pipeline,,,,%.0f%nread_units,%.1f,,,%n",
                inProcess[0], inProcess[1], rcu));
        LOG.info(table.toString());
        Files.writeString(results.resolve("logql.txt"), table.toString());
        Files.writeString(results.resolve("logql.csv"), csv.toString());
    }
}
