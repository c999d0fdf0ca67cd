package io.logstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.localaws.ConsumerProperties;
import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LocalIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Put → alert received at Alertmanager, through the whole system: records put on the local Kinesis engine, stored and
 * counted by consumer-service (its jar, its own JVM, default settings), evaluated by query-service (its jar, a rule
 * file of one group of {@code services} alerting rules every minute, one per service:
 * {@code sum by (service) (count_over_time({service="aNNN", level="ERROR"}[1m])) > 0}), sent to a real Prometheus
 * Alertmanager (Debian's). One ERROR record is put for each service, one every {@code gap} ms, so the puts fall
 * everywhere within the minute; the latency of each is from its put to the first time Alertmanager's
 * {@code /api/v2/alerts} lists its alert (polled every 100 ms). Goal: p99 ≤ interval (60 s) + 5 s.
 * Writes {@code benchmarks/results/alert-latency.txt}. Usage:
 * {@code scripts/bench-alert-latency.sh [services=120] [gap ms=3000] [consumer count flush interval]}; each run appends.
 */
public final class AlertLatencyBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger("bench");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertLatencyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        run(args);
        System.exit(0); // the in-process engines leave a non-daemon thread behind
    }

    private static String service(int i) {
        return String.format(Locale.ROOT, "a%03d", i);
    }

    private static void run(String[] args) throws Exception {
        int services = args.length > 0 ? Integer.parseInt(args[0]) : 120;
        long gap = args.length > 1 ? Long.parseLong(args[1]) : 3_000;
        String flush = args.length > 2 ? args[2] : null; // the consumer's count flush interval; its default when absent
        Path root = Path.of(System.getProperty("logstream.root", "."));
        Path results = root.resolve("benchmarks/results");
        Path work = Files.createTempDirectory("alert-latency");
        Files.createDirectories(results);
        StringBuilder rules = new StringBuilder("groups:\n  - name: latency\n    interval: 1m\n    rules:\n");
        for (int i = 0; i < services; i++) {
            rules.append("      - alert: Errors").append(i).append("\n        expr: 'sum by (service) (count_over_time("
                    + "{service=\"").append(service(i)).append("\", level=\"ERROR\"}[1m])) > 0'\n");
        }
        Path rulesFile = work.resolve("latency.yaml");
        Files.writeString(rulesFile, rules);
        Process alertmanager = null;
        try (LocalAws aws = LocalAws.start(); LocalIdentity identity = LocalIdentity.start()) {
            String stream = "log-stream";
            aws.createStream(stream, 2);
            aws.createLogsTable("alert-latency");
            aws.createLeaseTable("alert-latency-app");
            List<String> properties = new ArrayList<>(ConsumerProperties.asPairs(ConsumerProperties.wiring(stream,
                    "alert-latency-app", "alert-latency", aws.createQueue("alert-latency-dlq"))));
            if (flush != null) {
                properties.add("log-stream.counts.flush-interval=" + flush);
            }
            int amPort;
            try (ServerSocket socket = new ServerSocket(0)) {
                amPort = socket.getLocalPort();
            }
            alertmanager = startAlertmanager(work, amPort);
            URI am = URI.create("http://127.0.0.1:" + amPort);
            try (ConsumerProcess consumer = ConsumerProcess.start(root, aws, properties,
                    results.resolve("alert-latency-consumer.log"))) {
                QueryService query = QueryService.start(root, aws, identity, "alert-latency", List.of(
                        "-Dlog-stream.rules.file=" + rulesFile, "-Dlog-stream.rules.alertmanager-url=" + am),
                        results.resolve("alert-latency-query.log"));
                try {
                    Thread.sleep(20_000); // the consumer takes its leases and the first watermarks are written
                    Map<String, Long> put = new ConcurrentHashMap<>();
                    Map<String, Long> putWall = new ConcurrentHashMap<>();
                    Map<String, Long> seen = new ConcurrentHashMap<>();
                    Thread poller = new Thread(() -> poll(am, put, seen, services), "am-poller");
                    poller.setDaemon(true);
                    poller.start();
                    for (int i = 0; i < services; i++) {
                        String name = service(i);
                        String json = "{\"service\":\"" + name + "\",\"level\":\"ERROR\",\"message\":\"boom\"}";
                        put.put(name, System.nanoTime());
                        putWall.put(name, System.currentTimeMillis());
                        aws.kinesis().putRecord(b -> b.streamName(stream).partitionKey(name)
                                .data(SdkBytes.fromUtf8String(json)));
                        Thread.sleep(gap);
                    }
                    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                    while (seen.size() < services && System.nanoTime() < deadline) {
                        Thread.sleep(500);
                    }
                    double[] latencies = seen.entrySet().stream()
                            .mapToDouble(e -> (e.getValue() - put.get(e.getKey())) / 1e9).sorted().toArray();
                    // past the end of the minute the put fell in: what the pipeline adds to the window's own wait
                    double[] lags = seen.entrySet().stream().mapToDouble(e -> {
                        long wall = putWall.get(e.getKey());
                        long minuteEnd = (wall / 60_000 + 1) * 60_000;
                        double latency = (e.getValue() - put.get(e.getKey())) / 1e9;
                        return latency - (minuteEnd - wall) / 1e3;
                    }).sorted().toArray();
                    String report = String.format(Locale.ROOT, """
                            put -> alert at Alertmanager: %d services, one ERROR each, a put every %d ms; 1m rules; consumer count flush %s
                            alerts received: %d of %d
                            latency s: min %.1f, p50 %.1f, p90 %.1f, p99 %.1f, max %.1f (goal: p99 <= 65 s, interval + 5 s)
                            after the put's minute ended, s: p50 %.1f, p99 %.1f, max %.1f
                            """, services, gap, flush == null ? "default (5s)" : flush, latencies.length, services,
                            latencies[0], quantile(latencies, 0.5), quantile(latencies, 0.9),
                            quantile(latencies, 0.99), latencies[latencies.length - 1], quantile(lags, 0.5),
                            quantile(lags, 0.99), lags[lags.length - 1]);
                    System.out.print(report);
                    Files.writeString(results.resolve("alert-latency.txt"), report, java.nio.file.StandardOpenOption.CREATE,
                            java.nio.file.StandardOpenOption.APPEND);
                    if (latencies.length < services) {
                        List<String> missing = put.keySet().stream().filter(k -> !seen.containsKey(k)).sorted()
                                .map(k -> k + " (put " + (System.nanoTime() - put.get(k)) / 1_000_000_000 + " s ago)")
                                .toList();
                        throw new IllegalStateException("alerts missing: " + missing);
                    }
                } finally {
                    query.process().destroy();
                    query.process().waitFor(30, TimeUnit.SECONDS);
                }
            }
        } finally {
            if (alertmanager != null) {
                alertmanager.destroyForcibly();
            }
        }
    }

    private static double quantile(double[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }

    private static void poll(URI am, Map<String, Long> put, Map<String, Long> seen, int services) {
        while (seen.size() < services) {
            try {
                JsonNode alerts = JSON.readTree(HTTP.send(HttpRequest.newBuilder(am.resolve("/api/v2/alerts")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                long now = System.nanoTime();
                for (JsonNode alert : alerts) {
                    String service = alert.path("labels").path("service").asText();
                    if (put.containsKey(service)) {
                        seen.putIfAbsent(service, now);
                    }
                }
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                LOG.warn("Alertmanager not read: {}", e.toString());
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private static Process startAlertmanager(Path work, int port) throws Exception {
        String binary = Stream.of("/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager")
                .filter(path -> Files.isExecutable(Path.of(path))).findFirst()
                .orElseThrow(() -> new IllegalStateException("apt-get install prometheus-alertmanager"));
        Path config = work.resolve("alertmanager.yml");
        Files.writeString(config, "route:\n  receiver: none\n  group_wait: 0s\nreceivers:\n  - name: none\n");
        Process process = new ProcessBuilder(Arrays.asList(binary, "--config.file=" + config,
                "--storage.path=" + work.resolve("am"), "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=")).redirectErrorStream(true)
                .redirectOutput(work.resolve("alertmanager.log").toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        URI ready = URI.create("http://127.0.0.1:" + port + "/-/ready");
        for (int i = 0; i < 100; i++) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return process;
                }
            } catch (Exception e) {
                // not up yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("Alertmanager did not start");
    }
}
