package io.logstream.bench;

import io.logstream.localaws.LocalAws;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** consumer-service (its jar) in a JVM of its own against local engines, observed through its management port. */
final class ConsumerProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern SHARD = Pattern.compile("shardId-\\d+");

    final long startedNanos;
    private final Process process;
    private final int port;

    private ConsumerProcess(Process process, int port, long startedNanos) {
        this.process = process;
        this.port = port;
        this.startedNanos = startedNanos;
    }

    /** Starts the jar with the AWS endpoints of {@code aws} and {@code properties} as -D options. */
    static ConsumerProcess start(Path root, LocalAws aws, List<String> properties, Path log) throws Exception {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(java(), "-XX:+UseParallelGC", "-Xmx768m"));
        command.addAll(ServiceOptions.endpoints(aws));
        command.addAll(List.of("-Dmicronaut.server.port=" + port, "-Dendpoints.health.details-visible=ANONYMOUS"));
        if (aws.kinesisKind() == io.logstream.localaws.KinesisEngine.Kind.KINESALITE) {
            command.addAll(List.of("-Daws.cborEnabled=false", "-Dlog-stream.kcl.http2=false"));
        }
        properties.forEach(p -> command.add("-D" + p));
        command.addAll(List.of("-jar", root.resolve("consumer-service/target/consumer-service-0.1.0-all.jar").toString()));
        long started = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // a benchmark stopped half-way must not leave workers polling engines that are gone
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        return new ConsumerProcess(process, port, started);
    }

    /** The worker's process, for its CPU time. */
    ProcessHandle handle() {
        return process.toHandle();
    }

    /** Waits until {@code health} answers 200 (a service process starting), for up to a minute. */
    static void awaitHealthy(URI health) throws InterruptedException {
        for (int i = 0; i < 240; i++) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding())
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

    /** JVM options for a service process from a system property (space-separated), e.g. a GC to compare. */
    static List<String> extraJavaOptions(String property) {
        String options = System.getProperty(property, "").trim();
        return options.isEmpty() ? List.of() : List.of(options.split("\\s+"));
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** logstream_records_stored_total, or 0 while the service is not up. */
    double stored() {
        return storedAt(uri("/prometheus"));
    }

    /** logstream_records_stored_total of the consumer whose /prometheus is {@code metrics}, or 0 while it is down. */
    static double storedAt(URI metrics) {
        try {
            String body = HTTP.send(HttpRequest.newBuilder(metrics).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            return body.lines().filter(l -> l.startsWith("logstream_records_stored_total"))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        } catch (Exception notUpYet) {
            return 0;
        }
    }

    /** The largest per-shard lag the worker exports now, in seconds (0 while it is not up). */
    double maxLag() {
        try {
            String body = HTTP.send(HttpRequest.newBuilder(uri("/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            return body.lines().filter(l -> l.startsWith("logstream_shard_lag_seconds{"))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).max().orElse(0);
        } catch (Exception notUpYet) {
            return 0;
        }
    }

    /** The shards the worker reports owning in its health details (empty while it is not up). */
    TreeSet<String> shards() {
        TreeSet<String> shards = new TreeSet<>();
        try {
            String body = HTTP.send(HttpRequest.newBuilder(uri("/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            int at = body.indexOf("\"shards\":[");
            if (at >= 0) {
                Matcher m = SHARD.matcher(body.substring(at, body.indexOf(']', at)));
                while (m.find()) {
                    shards.add(m.group());
                }
            }
        } catch (Exception notUpYet) {
            // starting
        }
        return shards;
    }

    boolean healthy() {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri("/health/readiness")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (Exception notUpYet) {
            return false;
        }
    }

    /** SIGTERM, as an orchestrator stops a pod; returns once the process has exited. */
    void stopGracefully() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** kill -9. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int freePort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
