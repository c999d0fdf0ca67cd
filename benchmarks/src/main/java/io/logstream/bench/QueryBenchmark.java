package io.logstream.bench;

import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LocalIdentity;
import io.logstream.model.LogItemMapper;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.logs.Direction;
import io.logstream.query.logs.LogQuery;
import io.logstream.query.logs.LogRepository;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /v1/services/{service}/logs?limit=50} through query-service against the raw SDK {@code Query} it wraps
 * (pk = :svc, newest first, limit 50, through the service's own SDK client), on the same DynamoDB Local, the same
 * data, in the same run, interleaved in
 * rounds so both see the same machine. Prints p50/p99 latency (one client), and requests/s and errors at each of
 * several client counts (each client its own connection). The API is read with a bearer token from a local identity
 * provider, as in production, so token validation is part of the figure.
 * Usage: {@code scripts/bench-query.sh [requestsPerRound] [rounds] [clients, comma-separated: 1,8,64]}.
 */
public final class QueryBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger("bench");
    private static final String TABLE = "bench-logs";

    private QueryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        run(args);
        // the in-process engines leave a non-daemon worker thread behind; the figures are written, so end here
        System.exit(0);
    }

    private static void run(String[] args) throws Exception {
        int perRound = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        int[] clientCounts = java.util.Arrays.stream((args.length > 2 ? args[2] : "1,8,64").split(","))
                .mapToInt(Integer::parseInt).toArray();
        try (LocalAws aws = LocalAws.start(); LocalIdentity identity = LocalIdentity.start()) {
            aws.createLogsTable(TABLE);
            seed(aws.dynamoDb(), 5_000);
            Map<String, Object> properties = new HashMap<>(aws.serviceProperties());
            properties.put("log-stream.table", TABLE);
            properties.put("micronaut.server.port", -1);
            properties.put("micronaut.metrics.enabled", true);
            properties.put("log-stream.auth.mode", "jwt");
            properties.put("micronaut.security.token.jwt.signatures.jwks.idp.url", identity.jwksUrl());
            String authorization = "Bearer " + identity.token("bench", null);
            try (ApplicationContext query = ApplicationContext.run(properties)) {
                URI base = query.getBean(EmbeddedServer.class).start().getURI();
                URI uri = URI.create(base + "/v1/services/checkout/logs?limit=50");
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                // the service's own client bean: the ratio then isolates what the API adds to the query
                DynamoDbClient dynamoDb = query.getBean(DynamoDbClient.class);
                Call api = () -> {
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                                    .header("Authorization", authorization).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("status " + response.statusCode());
                    }
                };
                QueryRequest request = QueryRequest.builder().tableName(TABLE).keyConditionExpression("pk = :svc")
                        .expressionAttributeValues(Map.of(":svc", AttributeValue.fromS("checkout")))
                        .scanIndexForward(false).limit(50).build();
                Call raw = () -> {
                    if (dynamoDb.query(request).count() != 50) {
                        throw new IllegalStateException("short page");
                    }
                };
                LogRepository repository = query.getBean(LogRepository.class);
                LogQuery latest = new LogQuery("checkout", 50, null, null, Direction.BACKWARD, Set.of(), null);
                Call repo = () -> {
                    if (repository.find(latest).records().size() != 50) {
                        throw new IllegalStateException("short page");
                    }
                };
                for (int i = 0; i < 300; i++) {
                    api.run();
                    raw.run();
                    repo.run();
                }
                List<Long> repoNanos = new ArrayList<>();
                List<Long> apiNanos = new ArrayList<>();
                List<Long> rawNanos = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    time(raw, perRound, rawNanos);
                    time(repo, perRound, repoNanos);
                    time(api, perRound, apiNanos);
                }
                report(apiNanos, rawNanos, repoNanos);
                StringBuilder table = new StringBuilder(String.format("%n%-8s %12s %12s %8s %10s %10s%n", "clients",
                        "raw req/s", "API req/s", "API/raw", "raw errors", "API errors"));
                for (int clients : clientCounts) {
                    int perClient = Math.max(50, perRound * 2 / clients);
                    Throughput rawRun = throughput(raw, clients, perClient);
                    Throughput apiRun = throughput(api, clients, perClient);
                    table.append(String.format("%-8d %12.0f %12.0f %7.0f%% %10d %10d%n", clients, rawRun.perSecond(),
                            apiRun.perSecond(), 100 * apiRun.perSecond() / rawRun.perSecond(), rawRun.errors(),
                            apiRun.errors()));
                }
                LOG.info(table.toString());
            }
        }
    }

    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    private static void seed(DynamoDbClient dynamoDb, int count) {
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

    private static void time(Call call, int count, List<Long> into) throws Exception {
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            call.run();
            into.add(System.nanoTime() - start);
        }
    }

    private record Throughput(double perSecond, long errors) {
    }

    private static Throughput throughput(Call call, int concurrency, int perClient) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        java.util.concurrent.atomic.AtomicLong errors = new java.util.concurrent.atomic.AtomicLong();
        try {
            long start = System.nanoTime();
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < concurrency; c++) {
                clients.add(pool.submit(() -> {
                    for (int i = 0; i < perClient; i++) {
                        try {
                            call.run();
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : clients) {
                client.get(10, TimeUnit.MINUTES);
            }
            return new Throughput((double) concurrency * perClient / ((System.nanoTime() - start) / 1e9), errors.get());
        } finally {
            pool.shutdownNow();
        }
    }

    private static double percentile(List<Long> nanos, double p) {
        List<Long> sorted = new ArrayList<>(nanos);
        sorted.sort(Long::compare);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1)) / 1e6;
    }

    private static void report(List<Long> api, List<Long> raw, List<Long> repo) {
        double apiP50 = percentile(api, 0.50);
        double rawP50 = percentile(raw, 0.50);
        String table = String.format("%n%-36s %10s %10s%n", "query (limit 50, newest first), 1 client",
                "p50 ms", "p99 ms")
                + String.format("%-36s %10.2f %10.2f%n", "raw SDK Query", rawP50, percentile(raw, 0.99))
                + String.format("%-36s %10.2f %10.2f%n", "LogRepository.find (in-process)",
                percentile(repo, 0.50), percentile(repo, 0.99))
                + String.format("%-36s %10.2f %10.2f%n", "GET /v1/services/{s}/logs", apiP50, percentile(api, 0.99))
                + String.format("%-36s %10.2f %10.2f%n", "ratio API / raw", apiP50 / rawP50,
                percentile(api, 0.99) / percentile(raw, 0.99))
                + String.format("samples: %d per side; goal: p50 ratio <= 1.30 -> %s%n", api.size(),
                apiP50 / rawP50 <= 1.30 ? "MET" : "NOT MET");
        LOG.info(table);
    }
}
