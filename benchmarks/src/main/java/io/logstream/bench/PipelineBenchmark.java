package io.logstream.bench;

import io.logstream.localaws.ConsumerProperties;
import io.logstream.localaws.KinesisEngine;
import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LocalIdentity;
import io.logstream.localaws.LogPayload;
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
 * The pipeline on local engines (kinesalite, DynamoDB Local), in one run:
 * <ol>
 *   <li>DynamoDB Local warmed up (its JIT roughly doubles its speed), then its raw BatchWriteItem ceiling with 1, 4
 *   and 8 concurrent writers;</li>
 *   <li>consumer-service (its jar, own JVM) draining a pre-filled stream of {@code records} (4 shards, 5 % ERROR):
 *   records/s against the warm 8-writer ceiling, CPU per stored record (the process's utime + stime over the drain),
 *   and each process's share of the cores during the drain (consumer; this JVM, which hosts DynamoDB Local;
 *   kinesalite);</li>
 *   <li>freshness under load: {@code rate} records/s for {@code seconds} s while probes measure put to queryable
 *   through query-service (its jar), with the consumer's CPU per record at that rate.</li>
 * </ol>
 * With {@code -Dbench.profile=drain} the drain runs under JDK Flight Recorder (jcmd JFR.start/stop) and the top
 * frames go to {@code benchmarks/results/consumer-profile.txt}; with {@code idle}, the idle phase, to
 * {@code consumer-idle-profile.txt}. Prints a table; writes {@code pipeline.csv},
 * {@code pipeline.txt} and {@code pipeline.png} in {@code benchmarks/results}.
 * Usage: {@code scripts/bench-pipeline.sh [records=40000] [rate=2000] [seconds=60]}.
 */
public final class PipelineBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger("bench");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int WARM_UP_ITEMS = 40_000;
    /** At most this many warm-up drains ({@code -Dbench.warmUpDrains}, WARM_UP_DRAINS in the script). */
    private static final int WARM_UP_DRAINS = Integer.getInteger("bench.warmUpDrains", 25);
    private static final int IDLE_SECONDS = 20;
    private static final String STREAM = "bench";
    private static final String TABLE = "bench-logs";
    private static final String ENGINE_JVM = "DynamoDB Local + benchmark JVM";

    private PipelineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        run(args);
        // the in-process engines leave a non-daemon worker thread behind; the figures are written, so end here
        System.exit(0);
    }

    /** The raw BatchWriteItem ceiling by writer count, and DynamoDB Local's share of a core at 8 writers. */
    private record Ceiling(Map<Integer, Double> byWriters, double cpuShareAt8) {
        double best() {
            return byWriters.get(8);
        }
    }

    /** One drain of a pre-filled stream, with what the consumer's CPU, JIT and GC threads spent on it. */
    private record Drain(double records, double seconds, double fillRate, double storedAtFillEnd, double backlogRate,
                         Map<String, Double> cpu, double cpuPerRecordUs, double jitPerRecordUs, double gcPerRecordUs) {
        double rate() {
            return records / seconds;
        }
    }

    private record Idle(double msPerSecond, double jitMsPerSecond) {
    }

    private record Load(double rate, double cpuPerRecordUs, List<Double> latencies) {
    }

    private static void run(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 40_000;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        String profiled = System.getProperty("bench.profile", "none"); // none, drain or idle
        Path root = Path.of(System.getProperty("logstream.root", "."));
        Path results = root.resolve("benchmarks/results");
        Files.createDirectories(results);
        List<Process> processes = new ArrayList<>();
        try (LocalAws aws = LocalAws.start(KinesisEngine.Kind.KINESALITE); LocalIdentity identity = LocalIdentity.start()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> processes.forEach(Process::destroyForcibly)));
            Ceiling ceiling = ceiling(aws);
            aws.createStream(STREAM, 4);
            aws.createLogsTable(TABLE);
            Run run = new Run(aws, startConsumer(aws, root, results, processes), records, profiled, results);
            Drain first = run.firstDrain();
            int warmUpDrains = run.warmUp();
            Idle idle = run.idle();
            Drain drain = run.measuredDrain();
            double lifetimeCpuPerRecordUs = CpuMeter.cpu(run.consumer.toHandle()).toNanos() / 1e3 / run.stored;
            QueryService query = QueryService.start(root, aws, identity, TABLE, List.of("-Daws.cborEnabled=false"),
                    results.resolve("query.log"));
            processes.add(query.process());
            Load load = run.underLoad(query.port(), identity, rate, seconds);

            Measures measures = measures(ceiling, records, first, warmUpDrains, drain, lifetimeCpuPerRecordUs, idle,
                    load, seconds);
            LOG.info(measures.table());
            Files.writeString(results.resolve("pipeline.csv"), measures.csv());
            Files.writeString(results.resolve("pipeline.txt"), measures.table());
            chart(ceiling.byWriters(), drain.rate(), percentile(load.latencies(), 0.5),
                    percentile(load.latencies(), 0.99), results.resolve("pipeline.png").toFile());
        } finally {
            for (Process process : processes) {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    /** Every figure of the run, each named once for both the printed table and the CSV. */
    private static Measures measures(Ceiling ceiling, int records, Drain first, int warmUpDrains, Drain drain,
                                     double lifetimeCpuPerRecordUs, Idle idle, Load load, int seconds) {
        int cores = CpuMeter.cores();
        double best = ceiling.best();
        Measures m = new Measures("measure (kinesalite + DynamoDB Local, " + cores + " cores)");
        ceiling.byWriters().forEach((writers, value) -> m.add("raw BatchWriteItem ceiling, warm, " + writers
                + " writers (items/s)", "raw_ceiling_warm_" + writers + "_writers_items_per_s", value, 0));
        m.add("first " + records / 2 + " records from process start (records/s)", "first_drain_records_per_s",
                first.rate(), 0);
        m.add("  consumer CPU per record, start-up and JIT included (us)", "consumer_cpu_us_per_record_first_drain",
                first.cpuPerRecordUs(), 1);
        m.add("consumer drain of " + (long) drain.records() + " records (records/s)", "drain_records_per_s",
                drain.rate(), 0);
        m.share("drain / warm 8-writer ceiling, the fill included", "drain_to_warm_8_writer_ceiling",
                drain.rate() / best);
        m.add("  the fill: PutRecords into kinesalite meanwhile (records/s)", "fill_records_per_s", drain.fillRate(), 0);
        m.share("  stored when the fill ended", "stored_at_fill_end", drain.storedAtFillEnd() / drain.records());
        m.add("backlog drain, after the fill ended (records/s)", "backlog_drain_records_per_s", drain.backlogRate(), 0);
        m.share("backlog drain / warm 8-writer ceiling (goal >= 80 %)", "backlog_drain_to_warm_8_writer_ceiling",
                drain.backlogRate() / best);
        m.add("consumer CPU per stored record, drain (us, goal <= 60)", "consumer_cpu_us_per_record_drain",
                drain.cpuPerRecordUs(), 1);
        m.add("  of which JIT compiler threads (us)", "consumer_jit_us_per_record_drain", drain.jitPerRecordUs(), 1);
        m.add("  of which garbage collector threads (us)", "consumer_gc_us_per_record_drain", drain.gcPerRecordUs(), 1);
        m.add("  warm-up drains of " + records / 2 + " before it", "warm_up_drains", warmUpDrains, 0);
        m.add("consumer CPU per record since process start, all included (us)", "consumer_cpu_us_per_record_since_start",
                lifetimeCpuPerRecordUs, 1);
        m.add("consumer CPU while idle, 4 shards (ms per s)", "consumer_idle_cpu_ms_per_s", idle.msPerSecond(), 1);
        m.add("  of which JIT compiler threads (ms per s)", "consumer_idle_jit_ms_per_s", idle.jitMsPerSecond(), 1);
        m.add("DynamoDB Local items per CPU-second, 8-writer ceiling", "engine_items_per_cpu_s_ceiling",
                best / ceiling.cpuShareAt8(), 0);
        m.add("DynamoDB Local items per CPU-second, consumer drain", "engine_items_per_cpu_s_drain",
                drain.rate() / (drain.cpu().get(ENGINE_JVM) / drain.seconds()), 0);
        drain.cpu().forEach((name, secondsUsed) -> {
            if (!name.equals("wall")) {
                m.share("share of " + cores + " cores during the drain: " + name,
                        "core_share_drain_" + name.replaceAll("[^A-Za-z]+", "_").toLowerCase(java.util.Locale.ROOT),
                        secondsUsed / (drain.seconds() * cores));
            }
        });
        m.add("load: records/s put for " + seconds + " s", "load_records_per_s", load.rate(), 0);
        // near 100 %, queueing makes the latencies below swing widely with small changes of either rate
        m.share("  load / backlog drain rate (the consumer's utilisation)", "load_to_backlog_drain",
                load.rate() / drain.backlogRate());
        m.add("consumer CPU per stored record under load (us)", "consumer_cpu_us_per_record_load",
                load.cpuPerRecordUs(), 1);
        m.add("put -> queryable under load, p50 (ms)", "put_to_queryable_p50_ms", percentile(load.latencies(), 0.5), 0);
        m.add("put -> queryable under load, p99 (ms, goal <= 300)", "put_to_queryable_p99_ms",
                percentile(load.latencies(), 0.99), 0);
        m.add("records", "records", drain.records(), 0);
        m.add("probes", "probes", load.latencies().size(), 0);
        return m;
    }

    /** DynamoDB Local warmed up (its JIT roughly doubles its speed), then its ceiling with 1, 4 and 8 writers. */
    private static Ceiling ceiling(LocalAws aws) throws Exception {
        double warmUp = rawCeiling(aws, "warm-up", 8, WARM_UP_ITEMS);
        LOG.info("DynamoDB Local warmed up with {} items ({} items/s)", WARM_UP_ITEMS, Math.round(warmUp));
        Map<Integer, Double> byWriters = new java.util.LinkedHashMap<>();
        double cpuShare = 0;
        for (int writers : new int[]{1, 4, 8}) {
            CpuMeter engine = new CpuMeter().add("engine", ProcessHandle.current());
            engine.start();
            byWriters.put(writers, rawCeiling(aws, "ceiling-" + writers, writers, 16_000));
            Map<String, Double> used = engine.since();
            cpuShare = used.get("engine") / used.get("wall"); // the last one: 8 writers
        }
        LOG.info("raw BatchWriteItem ceiling (warm): {}", byWriters);
        return new Ceiling(byWriters, cpuShare);
    }

    /** The consumer's jar in a JVM of its own, and where it serves its metrics. */
    private record Consumer(Process process, URI metrics) {
    }

    private static Consumer startConsumer(LocalAws aws, Path root, Path results, List<Process> processes)
            throws Exception {
        int port = ConsumerProcess.freePort();
        String queue = aws.createQueue("bench-dlq");
        List<String> consumer = new ArrayList<>(List.of(ConsumerProcess.java(), "-Xmx1g"));
        consumer.addAll(ConsumerProcess.extraJavaOptions("bench.consumerJavaOpts"));
        consumer.addAll(ServiceOptions.endpoints(aws));
        consumer.add("-Daws.cborEnabled=false");
        ConsumerProperties.asPairs(ConsumerProperties.wiring(STREAM, "bench-app", TABLE, queue))
                .forEach(pair -> consumer.add("-D" + pair));
        consumer.addAll(List.of("-Dmicronaut.server.port=" + port, "-Dlog-stream.kcl.http2=false",
                "-Dlog-stream.kcl.lease-assignment-strategy=LEASE_COUNT_BASED",
                "-Dlog-stream.kcl.shard-sync-interval=5s",
                "-jar", root.resolve("consumer-service/target/consumer-service-0.1.0-all.jar").toString()));
        Process process = start(consumer, results.resolve("consumer.log"));
        processes.add(process);
        return new Consumer(process, URI.create("http://127.0.0.1:" + port + "/prometheus"));
    }

    /** The consumer's phases, in the order they run; {@code stored} is what it has stored so far. */
    private static final class Run {
        private final LocalAws aws;
        private final Process consumer;
        private final int records;
        private final String profiled;
        private final Path results;
        private final URI metrics;
        private final CpuMeter cpu;
        private final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(25);
        private double stored;

        Run(LocalAws aws, Consumer consumer, int records, String profiled, Path results) {
            this.aws = aws;
            this.consumer = consumer.process();
            this.records = records;
            this.profiled = profiled;
            this.results = results;
            this.metrics = consumer.metrics();
            this.cpu = new CpuMeter().add("consumer", this.consumer.toHandle()).addSelfAndChildren(ENGINE_JVM, "kinesalite");
        }

        /** A first drain of records/2 from process start; its figures (start-up and JIT included) are apart. */
        Drain firstDrain() throws Exception {
            cpu.start();
            prefill(aws, records / 2);
            stored = awaitStored(metrics, 0, records / 2, deadline);
            Map<String, Double> used = cpu.since();
            LOG.info("first drain of {} records: {} records/s", records / 2, Math.round(records / 2 / used.get("wall")));
            return new Drain(records / 2, used.get("wall"), 0, 0, 0, used,
                    used.get("consumer") * 1e6 / (records / 2), 0, 0);
        }

        /**
         * Drains of records/2 until the consumer's JIT has settled, as DynamoDB Local's was: a drain in which the
         * compiler threads used under 5 % of the consumer's CPU (at most WARM_UP_DRAINS of them). A consumer runs for
         * days; what a record costs is the steady state, not the first minutes' compilation. A profiled run
         * recompiles much of the code when the recording starts, so its CPU figures are higher.
         */
        int warmUp() throws Exception {
            int drains = 0;
            while (drains < WARM_UP_DRAINS) {
                drains++;
                CpuMeter.JvmThreads threads = CpuMeter.JvmThreads.of(consumer.toHandle());
                cpu.start();
                prefill(aws, records / 2);
                awaitStored(metrics, stored, stored + records / 2, deadline);
                stored += records / 2;
                double consumerCpu = cpu.since().get("consumer");
                double jit = threads.since("jit");
                LOG.info("warm-up drain {}: {} us CPU per record, of which JIT compilation {} us", drains,
                        Math.round(consumerCpu * 1e6 / (records / 2)), Math.round(jit * 1e6 / (records / 2)));
                if (jit < 0.05 * consumerCpu) {
                    break;
                }
            }
            return drains;
        }

        /**
         * Nothing to read, but KCL still polls every shard, renews its leases and syncs shards, and the completeness
         * watermark still moves; what that costs is paid whatever the traffic.
         */
        Idle idle() throws Exception {
            startProfile(consumer, "idle", profiled);
            CpuMeter.JvmThreads threads = CpuMeter.JvmThreads.of(consumer.toHandle());
            cpu.start();
            Thread.sleep(TimeUnit.SECONDS.toMillis(IDLE_SECONDS));
            Idle idle = new Idle(cpu.since().get("consumer") * 1000 / IDLE_SECONDS,
                    threads.since("jit") * 1000 / IDLE_SECONDS);
            stopProfile(consumer, "idle", profiled, results, "consumer-idle-profile.txt");
            return idle;
        }

        /** The stream filled as fast as kinesalite takes it while the consumer drains it. */
        Drain measuredDrain() throws Exception {
            startProfile(consumer, "drain", profiled);
            CpuMeter.JvmThreads threads = CpuMeter.JvmThreads.of(consumer.toHandle());
            cpu.start();
            long fillStart = System.nanoTime();
            prefill(aws, records);
            // how fast kinesalite took the records with the consumer reading, and how far the consumer had kept up
            double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
            double storedAtFillEnd = ConsumerProcess.storedAt(metrics) - stored;
            double now = awaitStored(metrics, stored, stored + records, deadline);
            Map<String, Double> used = cpu.since();
            double jit = threads.since("jit");
            double gc = threads.since("gc");
            stopProfile(consumer, "drain", profiled, results, "consumer-profile.txt");
            double drained = now - stored;
            stored = now;
            double seconds = used.get("wall");
            LOG.info("drained {} records in {} s (put and drained concurrently)", (long) drained,
                    String.format("%.1f", seconds));
            // kinesalite is one Node.js thread: while it takes the fill at full speed it serves the consumer's reads
            // late, so the backlog drain is what the consumer stores once the records are all in the stream (the
            // catch-up after an outage). Its end is the first scrape that sees every record: at most 100 ms late
            // past 90 % stored, up to 1 s before, so the rate errs low.
            double backlogRate = (drained - storedAtFillEnd) / (seconds - fillSeconds);
            return new Drain(drained, seconds, records / fillSeconds, storedAtFillEnd, backlogRate, used,
                    used.get("consumer") * 1e6 / drained, jit * 1e6 / drained, gc * 1e6 / drained);
        }

        /** {@code rate} records/s for {@code seconds} s while probes measure put to queryable. */
        Load underLoad(int queryPort, LocalIdentity identity, int rate, int seconds) throws Exception {
            String authorization = "Bearer " + identity.token("bench", LocalIdentity.ALL_SERVICES);
            putToQueryable(aws, queryPort, 20, authorization, null); // warm the query path
            double before = ConsumerProcess.storedAt(metrics);
            cpu.start();
            LogGenerator generator = new LogGenerator(11, 6, 0.05, 0, 150);
            PacedPuts traffic = PacedPuts.start(aws.kinesis(), STREAM, rate, seconds, (n, putAt) -> generator.next());
            List<Double> latencies = putToQueryable(aws, queryPort, Integer.MAX_VALUE, authorization, traffic);
            long loaded = traffic.await();
            awaitStored(metrics, before, before + loaded + latencies.size(), deadline);
            Map<String, Double> used = cpu.since();
            double loadStored = ConsumerProcess.storedAt(metrics) - before;
            return new Load(loaded / (double) seconds, used.get("consumer") * 1e6 / loadStored, latencies);
        }
    }

    /**
     * Waits until the consumer reports {@code count} records stored, {@code from} having been stored before. It reads
     * the consumer's /prometheus once a second, as a busy scraper would, and every 100 ms over the last tenth, so that
     * the end is seen within 100 ms without the scrapes becoming a cost of the drain.
     */
    private static double awaitStored(URI metrics, double from, double count, long deadline) throws InterruptedException {
        double stored = from;
        while (stored < count && System.nanoTime() < deadline) {
            Thread.sleep(stored < from + 0.9 * (count - from) ? 1000 : 100);
            stored = ConsumerProcess.storedAt(metrics);
        }
        return stored;
    }

    private static void jcmd(Process process, String... command) throws Exception {
        List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(process.pid())));
        line.addAll(List.of(command));
        Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (jcmd.waitFor() != 0) {
            throw new IllegalStateException("jcmd " + String.join(" ", command) + " failed: " + output);
        }
    }

    /** Starts a JFR recording of the consumer called {@code phase} when that phase is the one profiled. */
    private static void startProfile(Process consumer, String phase, String profiled) throws Exception {
        if (phase.equals(profiled)) {
            jcmd(consumer, "JFR.start", "name=" + phase, "settings=profile");
        }
    }

    /** Stops {@link #startProfile}'s recording and writes its top frames to {@code summary} in {@code results}. */
    private static void stopProfile(Process consumer, String phase, String profiled, Path results, String summary)
            throws Exception {
        if (phase.equals(profiled)) {
            Path recording = results.resolve("consumer-" + phase + ".jfr");
            jcmd(consumer, "JFR.stop", "name=" + phase, "filename=" + recording.toAbsolutePath());
            Files.writeString(results.resolve(summary), JfrTop.summary(recording, 30));
        }
    }

    private static double rawCeiling(LocalAws aws, String table, int writers, int items) throws Exception {
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
        LogGenerator generator = new LogGenerator(3, 6, 0.05, 0, 150);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int start = 0; start < records; start += 500) {
            List<PutRecordsRequestEntry> entries = new ArrayList<>();
            for (int i = start; i < Math.min(records, start + 500); i++) {
                entries.add(PutRecordsRequestEntry.builder().data(SdkBytes.fromByteArray(generator.next()))
                        .partitionKey(Integer.toString(i)).build());
            }
            futures.add(pool.submit(() -> {
                Puts.putAll(aws.kinesis(), STREAM, entries);
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdownNow();
    }

    /** Probes put one at a time ({@code probes} of them, or while {@code load} runs), each polled until queryable. */
    private static List<Double> putToQueryable(LocalAws aws, int queryPort, int probes, String authorization, PacedPuts load)
            throws Exception {
        List<Double> latencies = new ArrayList<>();
        for (int i = 0; i < probes && (load == null || load.running()); i++) {
            String id = "probe-" + i + "-" + UUID.randomUUID().toString().substring(0, 8);
            String json = LogPayload.of("latency-probe").level("INFO").message("probe").id(id).json();
            URI uri = URI.create("http://127.0.0.1:" + queryPort + "/v1/services/latency-probe/logs?limit=1");
            long start = System.nanoTime();
            aws.kinesis().putRecord(b -> b.streamName(STREAM).partitionKey(id).data(SdkBytes.fromUtf8String(json)));
            while (true) {
                String body = HTTP.send(HttpRequest.newBuilder(uri).header("Authorization", authorization).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (body.contains(id)) {
                    break;
                }
                if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(30)) {
                    throw new IllegalStateException("probe " + id + " not queryable after 30 s");
                }
                Thread.sleep(5);
            }
            latencies.add((System.nanoTime() - start) / 1e6);
            Thread.sleep(100);
        }
        return latencies;
    }

    private static Process start(List<String> command, Path log) throws Exception {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The nearest-rank {@code p} percentile of {@code values} (in any order); NaN for none. */
    static double percentile(List<? extends Number> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }

    private static void chart(Map<Integer, Double> ceiling, double drain, double p50, double p99, File png)
            throws Exception {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        ceiling.forEach((writers, rate) -> data.addValue(rate, "records/s", "raw, " + writers + " writers"));
        data.addValue(drain, "records/s", "consumer drain");
        JFreeChart chart = ChartFactory.createBarChart(String.format(
                        "log-stream on local engines: drain vs warm DynamoDB Local ceiling (put->queryable under load p50 %.0f ms, p99 %.0f ms)",
                        p50, p99), "", "records/s", data);
        ChartUtils.saveChartAsPNG(png, chart, 1000, 500);
    }
}
