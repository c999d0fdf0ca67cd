package io.logstream.bench;

import io.logstream.localaws.LocalAws;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.client.config.SdkAdvancedAsyncClientOption;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The SDK floor by HTTP client: the query benchmark's latest-page {@code Query} on the same DynamoDB Local and data,
 * sent by three DynamoDB clients of the AWS SDK v2 from closed-loop threads, interleaved in rounds:
 * <ul>
 *   <li>{@code apache}: the sync client with the Apache HTTP client, as query-service builds it through
 *   micronaut-aws-sdk-v2 (the baseline);</li>
 *   <li>{@code url-connection}: the sync client with the JDK's {@code HttpURLConnection};</li>
 *   <li>{@code netty-async}: the async client with the Netty HTTP client, futures completed on the Netty thread
 *   (no completion executor, the async client's cheapest set-up), the caller waiting on each future.</li>
 * </ul>
 * For each client and connection count: p50/p99, calls/s, errors, the CPU per call of the calling threads and of the
 * SDK's own threads, and both against the Apache client's in the same rounds. Writes
 * {@code benchmarks/results/sdk-clients.txt} and {@code .csv}. Usage:
 * {@code scripts/bench-sdk-clients.sh [seconds per run=5] [rounds=3] [connections=1,8]}.
 */
public final class SdkClientBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger("bench");

    private SdkClientBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        run(args);
        System.exit(0); // the in-process engines leave a non-daemon thread behind
    }

    private static void run(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int[] connections = Arrays.stream((args.length > 2 ? args[2] : "1,8").split(","))
                .mapToInt(Integer::parseInt).toArray();
        Path results = Path.of(System.getProperty("logstream.root", ".")).resolve("benchmarks/results");
        Files.createDirectories(results);
        try (LocalAws aws = LocalAws.start();
             DynamoDbClient apache = QueryBenchmark.syncClient(aws, ApacheHttpClient.builder().maxConnections(64).build());
             DynamoDbClient urlConnection = QueryBenchmark.syncClient(aws, UrlConnectionHttpClient.builder().build());
             DynamoDbAsyncClient netty = DynamoDbAsyncClient.builder().endpointOverride(aws.dynamoDbEndpoint())
                     .region(aws.region()).credentialsProvider(aws.credentials())
                     .httpClient(NettyNioAsyncHttpClient.builder().maxConcurrency(64).build())
                     .asyncConfiguration(b -> b.advancedOption(
                             SdkAdvancedAsyncClientOption.FUTURE_COMPLETION_EXECUTOR, Runnable::run))
                     .build()) {
            aws.createLogsTable(QueryBenchmark.TABLE);
            QueryBenchmark.seed(aws.dynamoDb(), 10_000);
            QueryRequest page = QueryBenchmark.latestPageQuery();
            Map<String, Supplier<QueryResponse>> clients = new LinkedHashMap<>();
            clients.put("apache", () -> apache.query(page));
            clients.put("url-connection", () -> urlConnection.query(page));
            clients.put("netty-async", () -> netty.query(page).join());
            // each client's code paths compiled, and DynamoDB Local's, before anything is measured
            for (Supplier<QueryResponse> call : clients.values()) {
                QueryBenchmark.sdk(call, page.limit(), 8, 20);
            }

            StringBuilder table = new StringBuilder(String.format("%n%-15s %5s %9s %9s %9s %7s %12s %11s %10s%n",
                    "client", "conns", "p50", "p99", "calls/s", "errors", "CPU per call", "p50 - apache",
                    "CPU/apache"));
            StringBuilder csv = new StringBuilder(
                    "client,connections,p50_ms,p99_ms,calls_per_s,errors,cpu_us_per_call,p50_minus_apache_ms,cpu_to_apache\n");
            for (int c : connections) {
                Map<String, List<QueryBenchmark.Run>> runs = new LinkedHashMap<>();
                for (int round = 0; round < rounds; round++) {
                    for (Map.Entry<String, Supplier<QueryResponse>> client : clients.entrySet()) {
                        runs.computeIfAbsent(client.getKey(), k -> new ArrayList<>())
                                .add(QueryBenchmark.sdk(client.getValue(), page.limit(), c, seconds));
                    }
                }
                QueryBenchmark.Run baseline = QueryBenchmark.combine(runs.get("apache"));
                for (Map.Entry<String, List<QueryBenchmark.Run>> client : runs.entrySet()) {
                    QueryBenchmark.Run r = QueryBenchmark.combine(client.getValue());
                    double cpuUs = cpuPerCallUs(r);
                    double overP50 = r.p50Ms() - baseline.p50Ms();
                    double cpuRatio = cpuUs / cpuPerCallUs(baseline);
                    table.append(String.format("%-15s %5d %7.2fms %7.2fms %9.0f %7d %10.0fus %+10.2fms %9.2fx%n",
                            client.getKey(), c, r.p50Ms(), r.p99Ms(), r.perSecond(), r.errors(), cpuUs, overP50,
                            cpuRatio));
                    csv.append(String.format("%s,%d,%.3f,%.3f,%.0f,%d,%.0f,%.3f,%.3f%n", client.getKey(), c,
                            r.p50Ms(), r.p99Ms(), r.perSecond(), r.errors(), cpuUs, overP50, cpuRatio));
                }
            }
            table.append(String.format("%nThe query benchmark's latest-page Query (Limit 51, projected) on DynamoDB "
                    + "Local, closed loops in one JVM; %d s x %d rounds per client, interleaved; %d cores.%n",
                    seconds, rounds, CpuMeter.cores()));
            LOG.info(table.toString());
            Files.writeString(results.resolve("sdk-clients.txt"), table.toString());
            Files.writeString(results.resolve("sdk-clients.csv"), csv.toString());
        }
    }

    private static double cpuPerCallUs(QueryBenchmark.Run run) {
        return run.cpuSeconds() * 1e6 / run.requests();
    }
}
