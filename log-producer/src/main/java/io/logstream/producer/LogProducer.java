package io.logstream.producer;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisClientBuilder;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;

/** The log producer CLI: {@code java -jar log-producer/target/log-producer-0.1.0-all.jar --help}. */
@Command(name = "log-producer", mixinStandardHelpOptions = true, version = "log-producer 0.1.0",
        description = "Sends realistic JSON log records to a Kinesis stream with PutRecords (≤ 500 records, ≤ 5 MB "
                + "per call, failed entries retried). Works against AWS (default credentials and region chain) or a "
                + "local engine (--endpoint).")
public final class LogProducer implements Callable<Integer> {
    @Option(names = "--stream", defaultValue = "${env:KINESIS_STREAM:-log-stream}", description = "Stream name (default: ${DEFAULT-VALUE})")
    String stream;
    @Option(names = "--region", defaultValue = "${env:AWS_REGION:-us-east-2}", description = "Region (default: ${DEFAULT-VALUE})")
    String region;
    @Option(names = "--endpoint", description = "Kinesis endpoint URL, e.g. a local engine")
    URI endpoint;
    @Option(names = "--count", description = "Records to send (default: unlimited; stop with Ctrl-C)")
    Long count;
    @Option(names = "--duration", description = "How long to send, ISO-8601 or e.g. 30s, 5m")
    String duration;
    @Option(names = "--rate", defaultValue = "100", description = "Records per second; 0 = as fast as possible (default: ${DEFAULT-VALUE})")
    double rate;
    @Option(names = "--burst", defaultValue = "1", description = "Send in bursts of this many records, keeping the average rate (default: ${DEFAULT-VALUE})")
    int burst;
    @Option(names = "--services", defaultValue = "6", description = "Number of distinct services (default: ${DEFAULT-VALUE})")
    int services;
    @Option(names = "--error-ratio", defaultValue = "0.03", description = "Share of ERROR/FATAL records (default: ${DEFAULT-VALUE})")
    double errorRatio;
    @Option(names = "--poison-ratio", defaultValue = "0.001", description = "Share of poison records (default: ${DEFAULT-VALUE})")
    double poisonRatio;
    @Option(names = "--record-size", defaultValue = "200", description = "Approximate bytes per record (default: ${DEFAULT-VALUE})")
    int recordSize;
    @Option(names = "--max-attempts", defaultValue = "8", description = "PutRecords attempts per entry (default: ${DEFAULT-VALUE})")
    int maxAttempts;
    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--quiet", description = "No progress line")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LogProducer()).execute(args));
    }

    @Override
    public Integer call() {
        validate();
        KinesisClientBuilder builder = KinesisClient.builder().region(Region.of(region))
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(16));
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        PrintWriter err = spec.commandLine().getErr();
        try (KinesisClient kinesis = builder.build()) {
            BatchSender sender = new BatchSender(kinesis, stream, maxAttempts);
            LogGenerator generator = new LogGenerator(seed, services, errorRatio, poisonRatio, recordSize);
            long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + parseDuration(duration).toNanos();
            long limit = count == null ? Long.MAX_VALUE : count;
            long start = System.nanoTime();
            long lastReport = start;
            long generated = 0;
            while (generated < limit && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
                int inBurst = (int) Math.min(burst, limit - generated);
                for (int i = 0; i < inBurst; i++) {
                    sender.add(generator.next());
                }
                generated += inBurst;
                if (rate > 0) {
                    sender.flush();
                    long due = start + (long) (generated / rate * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        sleepNanos(wait);
                    }
                }
                long now = System.nanoTime();
                if (!quiet && now - lastReport > 1_000_000_000L) {
                    progress(err, sender, now - start, false);
                    lastReport = now;
                }
            }
            sender.flush();
            progress(err, sender, System.nanoTime() - start, true);
            return sender.failed.get() == 0 ? 0 : 1;
        }
    }

    private void validate() {
        CommandLine cl = spec.commandLine();
        if (rate < 0 || burst < 1 || recordSize < 0 || maxAttempts < 1 || errorRatio < 0 || errorRatio > 1
                || poisonRatio < 0 || poisonRatio > 1 || (count != null && count < 0)) {
            throw new CommandLine.ParameterException(cl, "rates and ratios must be >= 0 (ratios <= 1), burst and "
                    + "max-attempts >= 1");
        }
        if (recordSize > 1_000_000) {
            throw new CommandLine.ParameterException(cl, "--record-size must stay under Kinesis's 1 MB record limit");
        }
    }

    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase();
        if (t.startsWith("p")) {
            return Duration.parse(t.toUpperCase());
        }
        long value = Long.parseLong(t.replaceAll("[a-z]+$", ""));
        if (t.endsWith("ms")) {
            return Duration.ofMillis(value);
        }
        if (t.endsWith("m")) {
            return Duration.ofMinutes(value);
        }
        if (t.endsWith("h")) {
            return Duration.ofHours(value);
        }
        return Duration.ofSeconds(value);
    }

    private static void progress(PrintWriter err, BatchSender sender, long elapsedNanos, boolean last) {
        double seconds = Math.max(elapsedNanos / 1e9, 1e-9);
        err.printf("%ssent %,d (%,.0f records/s) retried %,d failed %,d in %.1fs%s", last ? "\r" : "\r",
                sender.sent.get(), sender.sent.get() / seconds, sender.retried.get(), sender.failed.get(), seconds,
                last ? System.lineSeparator() : "   ");
        err.flush();
    }

    private static void sleepNanos(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
