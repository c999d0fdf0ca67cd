package io.logstream.bench;

import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LocalIdentity;
import io.logstream.model.LogItemMapper;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The query API against the raw DynamoDB Query it wraps, with the same load client (wrk) on both sides, on the same
 * DynamoDB Local and data, in one run, interleaved in rounds:
 * <ul>
 *   <li>API: {@code GET /v1/services/checkout/logs?limit=50} on query-service (its jar, own JVM) with a bearer token
 *   from a local identity provider, so token validation is part of the figure;</li>
 *   <li>raw: the identical {@code Query} (pk = checkout, newest first, {@code Limit} 51, the expressions and the
 *   projection the service sends), POSTed straight to DynamoDB Local by wrk.</li>
 * </ul>
 * <ul>
 *   <li>SDK: the same {@code Query} through the AWS SDK v2 client the service uses (sync, Apache HTTP client), from
 *   as many closed-loop threads as wrk has connections, in this JVM. It is the floor of any service that reads
 *   DynamoDB with the SDK, so the API's distance to it is what the service itself adds.</li>
 * </ul>
 * For each connection count: p50/p99 latency, requests/s, errors (non-2xx and socket errors), query-service's
 * CPU per request (its utime + stime over the API runs) and the SDK's CPU per call (its threads' CPU time). Writes
 * {@code benchmarks/results/query.csv} and {@code query.txt}; with {@code -Dbench.profile=true} (PROFILE=1) a JFR profile of query-service goes to
 * {@code query-profile.txt}. Usage: {@code scripts/bench-query.sh [seconds per run=5] [rounds=2] [connections=1,8,64]}.
 */
public final class QueryBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger("bench");
    static final String TABLE = "bench-logs";
    private static final Pattern PERCENTILE = Pattern.compile("^\\s*(50|99)(?:\\.000)?%\\s+([0-9.]+)(us|ms|s)\\s*$",
            Pattern.MULTILINE);
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");
    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final Pattern SOCKET = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    private QueryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        run(args);
        // the in-process engines leave a non-daemon worker thread behind; the figures are written, so end here
        System.exit(0);
    }

    /** One wrk run's figures. */
    record Run(double p50Ms, double p99Ms, double perSecond, long requests, long errors, double cpuSeconds) {
    }

    private static void run(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int[] connections = Arrays.stream((args.length > 2 ? args[2] : "1,8,64").split(","))
                .mapToInt(Integer::parseInt).toArray();
        Path root = Path.of(System.getProperty("logstream.root", "."));
        Path results = root.resolve("benchmarks/results");
        Files.createDirectories(results);
        Process query = null;
        try (LocalAws aws = LocalAws.start(); LocalIdentity identity = LocalIdentity.start()) {
            aws.createLogsTable(TABLE);
            seed(aws.dynamoDb(), 10_000);
            boolean profile = Boolean.getBoolean("bench.profile");
            Path recording = results.resolve("query-service.jfr");
            List<String> options = new ArrayList<>(ConsumerProcess.extraJavaOptions("bench.serviceJavaOpts"));
            if (profile) {
                options.add("-XX:StartFlightRecording=settings=profile,filename=" + recording.toAbsolutePath());
            }
            QueryService started = QueryService.start(root, aws, identity, TABLE, options,
                    results.resolve("query-bench-service.log"));
            query = started.process();
            Process service = query;
            int port = started.port();

            String api = "http://127.0.0.1:" + port + "/v1/services/checkout/logs?limit=50";
            List<String> apiArgs = List.of("-H", "Authorization: Bearer " + identity.token("bench", LocalIdentity.ALL_SERVICES), api);
            Path script = results.resolve("raw-query.lua");
            QueryRequest latestPage = latestPageQuery();
            Files.writeString(script, rawQueryScript(latestPage));
            List<String> rawArgs = List.of("-s", script.toString(), aws.dynamoDbEndpoint().toString());
            check(api, identity.token("bench", LocalIdentity.ALL_SERVICES));
            DynamoDbClient sdkClient = syncClient(aws, ApacheHttpClient.builder().maxConnections(64).build());
            Supplier<QueryResponse> sdkCall = () -> sdkClient.query(latestPage);

            // warm both sides before anything is measured: the JIT of a fresh query-service compiles for more than a
            // minute (Micronaut, Netty, the SDK, serde, security), and DynamoDB Local's JIT doubles its speed
            wrk(rawArgs, 8, 15, null);
            sdk(sdkCall, latestPage.limit(), 8, 30);
            Run warm = wrk(apiArgs, 8, Integer.getInteger("bench.warmUpSeconds", 90), service.toHandle());
            LOG.info("warm-up: {} API requests, {} us CPU each", warm.requests(),
                    Math.round(warm.cpuSeconds() * 1e6 / warm.requests()));

            StringBuilder table = new StringBuilder(String.format("%n%-6s %9s %9s %9s %9s %10s %10s %8s %7s %7s %10s%n",
                    "conns", "raw p50", "API p50", "raw p99", "API p99", "raw req/s", "API req/s", "API/raw",
                    "raw err", "API err", "API CPU/req"));
            StringBuilder floor = new StringBuilder(String.format("%nThe SDK floor: the same Query through the SDK "
                    + "client, closed loops in the benchmark JVM%n%-6s %9s %9s %10s %8s %8s %11s %12s%n", "conns",
                    "SDK p50", "SDK p99", "SDK req/s", "SDK/raw", "SDK err", "SDK CPU/call", "API - SDK p50"));
            StringBuilder csv = new StringBuilder("connections,raw_p50_ms,api_p50_ms,raw_p99_ms,api_p99_ms,"
                    + "raw_req_per_s,api_req_per_s,api_to_raw,raw_errors,api_errors,api_cpu_us_per_request,"
                    + "sdk_p50_ms,sdk_p99_ms,sdk_req_per_s,sdk_errors,sdk_cpu_us_per_call\n");
            for (int c : connections) {
                List<Run> raw = new ArrayList<>();
                List<Run> sdks = new ArrayList<>();
                List<Run> apis = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    raw.add(wrk(rawArgs, c, seconds, null));
                    sdks.add(sdk(sdkCall, latestPage.limit(), c, seconds));
                    apis.add(wrk(apiArgs, c, seconds, service.toHandle()));
                }
                Run r = combine(raw);
                Run d = combine(sdks);
                Run a = combine(apis);
                double cpuPerRequestUs = a.cpuSeconds() * 1e6 / a.requests();
                double sdkCpuPerCallUs = d.cpuSeconds() * 1e6 / d.requests();
                table.append(String.format("%-6d %7.2fms %7.2fms %7.2fms %7.2fms %10.0f %10.0f %7.0f%% %7d %7d %8.0fus%n",
                        c, r.p50Ms(), a.p50Ms(), r.p99Ms(), a.p99Ms(), r.perSecond(), a.perSecond(),
                        100 * a.perSecond() / r.perSecond(), r.errors(), a.errors(), cpuPerRequestUs));
                floor.append(String.format("%-6d %7.2fms %7.2fms %10.0f %7.0f%% %8d %10.0fus %10.2fms%n", c,
                        d.p50Ms(), d.p99Ms(), d.perSecond(), 100 * d.perSecond() / r.perSecond(), d.errors(),
                        sdkCpuPerCallUs, a.p50Ms() - d.p50Ms()));
                csv.append(String.format("%d,%.3f,%.3f,%.3f,%.3f,%.0f,%.0f,%.3f,%d,%d,%.0f,%.3f,%.3f,%.0f,%d,%.0f%n", c,
                        r.p50Ms(), a.p50Ms(), r.p99Ms(), a.p99Ms(), r.perSecond(), a.perSecond(),
                        a.perSecond() / r.perSecond(), r.errors(), a.errors(), cpuPerRequestUs, d.p50Ms(), d.p99Ms(),
                        d.perSecond(), d.errors(), sdkCpuPerCallUs));
            }
            table.append(floor);
            table.append(String.format("%nGoals: API p50 <= raw p50 + 0.3 ms at 1 connection; API >= 60 %% of raw "
                    + "req/s at 8; no errors at 64. wrk %d s x %d rounds per side, interleaved; %d cores.%n",
                    seconds, rounds, CpuMeter.cores()));
            LOG.info(table.toString());
            Files.writeString(results.resolve("query.csv"), csv.toString());
            Files.writeString(results.resolve("query.txt"), table.toString());
            if (profile) {
                query.destroy();
                query.waitFor(30, TimeUnit.SECONDS);
                Files.writeString(results.resolve("query-profile.txt"), JfrTop.summary(recording, 30));
            }
        } finally {
            if (query != null) {
                query.destroy();
                query.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The Lua script with which wrk POSTs {@code query} straight to DynamoDB Local: the very request the SDK side
     * sends, as DynamoDB JSON (its names are placeholders and its values strings, so nothing needs escaping).
     */
    private static String rawQueryScript(QueryRequest query) {
        String names = query.expressionAttributeNames().entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"").collect(Collectors.joining(","));
        String values = query.expressionAttributeValues().entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\":{\"S\":\"" + e.getValue().s() + "\"}").collect(Collectors.joining(","));
        String body = "{\"TableName\":\"" + query.tableName() + "\",\"KeyConditionExpression\":\""
                + query.keyConditionExpression() + "\",\"ProjectionExpression\":\"" + query.projectionExpression()
                + "\",\"ExpressionAttributeNames\":{" + names + "},\"ExpressionAttributeValues\":{" + values
                + "},\"ScanIndexForward\":" + query.scanIndexForward() + ",\"Limit\":" + query.limit() + "}";
        return "wrk.method = \"POST\"\n"
                + "wrk.body = '" + body + "'\n"
                + "wrk.headers[\"Content-Type\"] = \"application/x-amz-json-1.0\"\n"
                + "wrk.headers[\"X-Amz-Target\"] = \"DynamoDB_20120810.Query\"\n"
                + "wrk.headers[\"Authorization\"] = \"AWS4-HMAC-SHA256 Credential=local/20260101/" + LocalAws.REGION
                + "/dynamodb/aws4_request, SignedHeaders=host, Signature=0\"\n";
    }

    private static void check(String api, String token) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(api))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 || !response.body().contains("\"nextCursor\":\"")) {
            throw new IllegalStateException("the API does not answer a full page: " + response.statusCode());
        }
    }

    private static Run wrk(List<String> target, int connections, int seconds, ProcessHandle measured) throws Exception {
        List<String> command = new ArrayList<>(List.of("wrk", "-t" + Math.min(connections, 2), "-c" + connections,
                "-d" + seconds + "s", "--latency", "--timeout", "5s"));
        command.addAll(target);
        double cpuBefore = measured == null ? 0 : CpuMeter.cpu(measured).toNanos() / 1e9;
        Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (wrk.waitFor() != 0) {
            throw new IllegalStateException("wrk failed: " + out);
        }
        double cpu = measured == null ? 0 : CpuMeter.cpu(measured).toNanos() / 1e9 - cpuBefore;
        double p50 = 0;
        double p99 = 0;
        Matcher m = PERCENTILE.matcher(out);
        while (m.find()) {
            double ms = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
                case "us" -> 0.001;
                case "s" -> 1000;
                default -> 1;
            };
            if (m.group(1).equals("50")) {
                p50 = ms;
            } else {
                p99 = ms;
            }
        }
        long errors = 0;
        Matcher non2xx = NON_2XX.matcher(out);
        if (non2xx.find()) {
            errors += Long.parseLong(non2xx.group(1));
        }
        Matcher socket = SOCKET.matcher(out);
        if (socket.find()) {
            for (int g = 1; g <= 4; g++) {
                errors += Long.parseLong(socket.group(g));
            }
        }
        Matcher requests = REQUESTS.matcher(out);
        Matcher rate = RATE.matcher(out);
        if (!requests.find() || !rate.find()) {
            throw new IllegalStateException("unexpected wrk output: " + out);
        }
        return new Run(p50, p99, Double.parseDouble(rate.group(1)), Long.parseLong(requests.group(1)), errors, cpu);
    }

    /** A sync DynamoDB client of the local engine over {@code http}, as the SDK side and the SDK client benchmark use. */
    static DynamoDbClient syncClient(LocalAws aws, SdkHttpClient http) {
        return DynamoDbClient.builder().endpointOverride(aws.dynamoDbEndpoint()).region(aws.region())
                .credentialsProvider(aws.credentials()).httpClient(http).build();
    }

    /** One SDK loop's calls: their latencies (the first {@code calls} entries), failures and the thread's CPU. */
    private record SdkLoop(long[] latencies, int calls, long errors, long cpuNanos) {
    }

    /**
     * {@code connections} threads send {@code query} through the SDK client back to back for {@code seconds}, each in
     * an {@link #sdkLoop}; the latencies are pooled for the percentiles.
     */
    static Run sdk(Supplier<QueryResponse> call, int pageSize, int connections, int seconds) throws Exception {
        long start = System.nanoTime();
        long sdkThreadsBefore = sdkThreadsCpuNanos();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        try {
            List<Future<SdkLoop>> loops = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                loops.add(pool.submit(() -> sdkLoop(call, pageSize, end)));
            }
            long[] all = new long[0];
            long errors = 0;
            long cpu = 0;
            for (Future<SdkLoop> future : loops) {
                SdkLoop loop = future.get();
                int from = all.length;
                all = Arrays.copyOf(all, from + loop.calls());
                System.arraycopy(loop.latencies(), 0, all, from, loop.calls());
                errors += loop.errors();
                cpu += loop.cpuNanos();
            }
            cpu += sdkThreadsCpuNanos() - sdkThreadsBefore;
            double wall = (System.nanoTime() - start) / 1e9;
            Arrays.sort(all);
            return new Run(all[(all.length - 1) / 2] / 1e6, all[(int) ((all.length - 1) * 0.99)] / 1e6,
                    all.length / wall, all.length, errors, cpu / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The CPU time of the threads the SDK starts itself: an async client's Netty event loops and completion executor,
     * and the timers of every client (call and attempt timeouts).
     */
    private static long sdkThreadsCpuNanos() {
        long total = 0;
        for (ThreadInfo thread : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (thread != null && (thread.getThreadName().startsWith("aws-java-sdk-")
                    || thread.getThreadName().startsWith("sdk-"))) {
                total += Math.max(0, THREADS.getThreadCpuTime(thread.getThreadId()));
            }
        }
        return total;
    }

    /**
     * Calls until {@code end} (System.nanoTime), timing each call. A sync client runs on the caller's thread, so the
     * thread's CPU time is the SDK's cost (an async client's own threads are added by {@link #sdk}). A call that
     * throws or returns a short page is an error.
     */
    private static SdkLoop sdkLoop(Supplier<QueryResponse> call, int pageSize, long end) {
        long cpu = THREADS.getCurrentThreadCpuTime();
        long[] latencies = new long[1024];
        int calls = 0;
        long errors = 0;
        for (long now = System.nanoTime(); now < end; ) {
            try {
                if (call.get().items().size() != pageSize) {
                    errors++;
                }
            } catch (SdkException | CompletionException e) {
                errors++;
            }
            long done = System.nanoTime();
            if (calls == latencies.length) {
                latencies = Arrays.copyOf(latencies, calls * 2);
            }
            latencies[calls++] = done - now;
            now = done;
        }
        return new SdkLoop(latencies, calls, errors, THREADS.getCurrentThreadCpuTime() - cpu);
    }

    /**
     * The Query the service sends for the latest 50: one more than the page, to know whether more exist, projected on
     * the attributes a record is made of. The raw and the SDK sides both send it.
     */
    static QueryRequest latestPageQuery() {
        Map<String, String> names = new HashMap<>(LogItemMapper.READ_NAMES);
        names.put("#h", "pk");
        return QueryRequest.builder().tableName(TABLE).keyConditionExpression("#h = :h")
                .projectionExpression(LogItemMapper.READ_PROJECTION).expressionAttributeNames(names)
                .expressionAttributeValues(Map.of(":h", AttributeValue.fromS("checkout"))).scanIndexForward(false)
                .limit(51).build();
    }

    /** Rounds combined: the median round's latencies (of two, the lower), summed counts, mean rate. */
    static Run combine(List<Run> runs) {
        List<Run> byP50 = new ArrayList<>(runs);
        byP50.sort(java.util.Comparator.comparingDouble(Run::p50Ms));
        Run median = byP50.get((byP50.size() - 1) / 2);
        return new Run(median.p50Ms(), median.p99Ms(), runs.stream().mapToDouble(Run::perSecond).average().orElse(0),
                runs.stream().mapToLong(Run::requests).sum(), runs.stream().mapToLong(Run::errors).sum(),
                runs.stream().mapToDouble(Run::cpuSeconds).sum());
    }

    /** {@code count} items over two services, all levels, with attributes, as the consumer writes them. */
    static void seed(DynamoDbClient dynamoDb, int count) {
        List<WriteRequest> writes = new ArrayList<>();
        LogLevel[] levels = LogLevel.values();
        for (int i = 0; i < count; i++) {
            LogRecord record = new LogRecord(i % 2 == 0 ? "checkout" : "payments", levels[i % levels.length],
                    "order " + i + " processed in " + (i % 300) + " ms", 1723050000000L + i * 250L, "id-" + i,
                    "trace-" + i, "host-" + (i % 4), Map.of("region", "eu-west-1", "attempt", i % 3), 1723050000000L);
            writes.add(WriteRequest.builder().putRequest(PutRequest.builder()
                    .item(LogItemMapper.toItem(record, null)).build()).build());
        }
        for (int i = 0; i < writes.size(); i += 25) {
            List<WriteRequest> chunk = writes.subList(i, Math.min(i + 25, writes.size()));
            dynamoDb.batchWriteItem(b -> b.requestItems(Map.of(TABLE, chunk)));
        }
    }
}
