package io.logstream.bench;

import io.logstream.localaws.ConsumerProperties;
import io.logstream.localaws.KinesisEngine;
import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LocalIdentity;
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

    private PipelineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        run(args);
        // the in-process engines leave a non-daemon worker thread behind; the figures are written, so end here
        System.exit(0);
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
            double warmUp = rawCeiling(aws, "warm-up", 8, WARM_UP_ITEMS);
            LOG.info("DynamoDB Local warmed up with {} items ({} items/s)", WARM_UP_ITEMS, Math.round(warmUp));
            Map<Integer, Double> ceiling = new java.util.LinkedHashMap<>();
            double ceilingCpuShare = 0;
            for (int writers : new int[]{1, 4, 8}) {
                CpuMeter engine = new CpuMeter().add("engine", ProcessHandle.current());
                engine.start();
                ceiling.put(writers, rawCeiling(aws, "ceiling-" + writers, writers, 16_000));
                Map<String, Double> used = engine.since();
                ceilingCpuShare = used.get("engine") / used.get("wall"); // the last one: 8 writers
            }
            LOG.info("raw BatchWriteItem ceiling (warm): {}", ceiling);

            aws.createStream("bench", 4);
            aws.createLogsTable("bench-logs");
            String queue = aws.createQueue("bench-dlq");

            int consumerPort = ConsumerProcess.freePort();
            int queryPort = ConsumerProcess.freePort();
            List<String> common = new ArrayList<>(ServiceOptions.endpoints(aws));
            common.add("-Daws.cborEnabled=false");
            List<String> consumer = new ArrayList<>(List.of(ConsumerProcess.java(), "-Xmx1g"));
            consumer.addAll(ConsumerProcess.extraJavaOptions("bench.consumerJavaOpts"));
            consumer.addAll(common);
            ConsumerProperties.asPairs(ConsumerProperties.wiring("bench", "bench-app", "bench-logs", queue))
                    .forEach(pair -> consumer.add("-D" + pair));
            consumer.addAll(List.of("-Dmicronaut.server.port=" + consumerPort, "-Dlog-stream.kcl.http2=false",
                    "-Dlog-stream.kcl.lease-assignment-strategy=LEASE_COUNT_BASED",
                    "-Dlog-stream.kcl.shard-sync-interval=5s",
                    "-jar", root.resolve("consumer-service/target/consumer-service-0.1.0-all.jar").toString()));
            Process consumerProcess = start(consumer, results.resolve("consumer.log"));
            processes.add(consumerProcess);
            URI metrics = URI.create("http://127.0.0.1:" + consumerPort + "/prometheus");
            CpuMeter cpu = new CpuMeter().add("consumer", consumerProcess.toHandle())
                    .addSelfAndChildren("DynamoDB Local + benchmark JVM", "kinesalite");
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(25);

            // a first drain from process start; its figures (start-up and JIT included) are printed apart
            cpu.start();
            prefill(aws, records / 2);
            awaitStored(metrics, 0, records / 2, deadline);
            Map<String, Double> coldCpu = cpu.since();
            double coldRate = (records / 2) / coldCpu.get("wall");
            double coldCpuPerRecordUs = coldCpu.get("consumer") * 1e6 / (records / 2);
            LOG.info("first drain of {} records: {} records/s, {} us CPU per record", records / 2,
                    Math.round(coldRate), Math.round(coldCpuPerRecordUs));

            // then drains of records/2 until the consumer's JIT has settled, as DynamoDB Local's was: a drain in which
            // the compiler threads used under 5 % of the consumer's CPU (at most WARM_UP_DRAINS of them). A consumer
            // runs for days; what a record costs is the steady state, not the first minutes' compilation. A profiled
            // run (PROFILE=1) recompiles much of the code when the recording starts, so its CPU figures are higher.
            double firstStored = records / 2;
            int warmUpDrains = 0;
            while (warmUpDrains < WARM_UP_DRAINS) {
                warmUpDrains++;
                CpuMeter.JvmThreads threads = CpuMeter.JvmThreads.of(consumerProcess.toHandle());
                cpu.start();
                prefill(aws, records / 2);
                awaitStored(metrics, firstStored, firstStored + records / 2, deadline);
                firstStored += records / 2;
                double consumerCpu = cpu.since().get("consumer");
                double jit = threads.since("jit");
                LOG.info("warm-up drain {}: {} us CPU per record, of which JIT compilation {} us", warmUpDrains,
                        Math.round(consumerCpu * 1e6 / (records / 2)), Math.round(jit * 1e6 / (records / 2)));
                if (jit < 0.05 * consumerCpu) {
                    break;
                }
            }

            // idle: nothing to read, but KCL still polls every shard, renews its leases and syncs shards, and the
            // completeness watermark still moves; what that costs is paid whatever the traffic
            startProfile(consumerProcess, "idle", profiled);
            CpuMeter.JvmThreads idleThreads = CpuMeter.JvmThreads.of(consumerProcess.toHandle());
            cpu.start();
            Thread.sleep(TimeUnit.SECONDS.toMillis(IDLE_SECONDS));
            double idleMsPerSecond = cpu.since().get("consumer") * 1000 / IDLE_SECONDS;
            double idleJitMsPerSecond = idleThreads.since("jit") * 1000 / IDLE_SECONDS;
            stopProfile(consumerProcess, "idle", profiled, results, "consumer-idle-profile.txt");

            // the measured drain: the stream is filled as fast as kinesalite takes it while the consumer drains it
            startProfile(consumerProcess, "drain", profiled);
            CpuMeter.JvmThreads drainThreads = CpuMeter.JvmThreads.of(consumerProcess.toHandle());
            cpu.start();
            long fillStart = System.nanoTime();
            prefill(aws, records);
            // how fast kinesalite took the records with the consumer reading, and how far the consumer had kept up
            double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
            double fillRate = records / fillSeconds;
            double storedAtFillEnd = ConsumerProcess.storedAt(metrics) - firstStored;
            double stored = awaitStored(metrics, firstStored, firstStored + records, deadline);
            Map<String, Double> drainCpu = cpu.since();
            double drainJit = drainThreads.since("jit");
            double drainGc = drainThreads.since("gc");
            stopProfile(consumerProcess, "drain", profiled, results, "consumer-profile.txt");
            double drained = stored - firstStored;
            // everything the consumer has cost so far (start-up, every drain's JIT, the idle phase) per record stored
            double lifetimeCpuPerRecordUs = CpuMeter.cpu(consumerProcess.toHandle()).toNanos() / 1e3 / stored;
            double drainSeconds = drainCpu.get("wall");
            double drainRate = drained / drainSeconds;
            // kinesalite is one Node.js thread: while it takes the fill at full speed it serves the consumer's reads
            // late, so the backlog drain is what the consumer stores once the records are all in the stream (the
            // catch-up after an outage). Its end is the first scrape that sees every record: at most 100 ms late
            // past 90 % stored, up to 1 s before, so the rate errs low.
            double backlogRate = (drained - storedAtFillEnd) / (drainSeconds - fillSeconds);
            double cpuPerRecordUs = drainCpu.get("consumer") * 1e6 / drained;
            double jitPerRecordUs = drainJit * 1e6 / drained;
            double gcPerRecordUs = drainGc * 1e6 / drained;
            LOG.info("drained {} records in {} s (put and drained concurrently)", (long) drained,
                    String.format("%.1f", drainSeconds));

            List<String> query = new ArrayList<>(List.of(ConsumerProcess.java(), "-Xmx512m"));
            query.addAll(common);
            query.addAll(ServiceOptions.queryService(identity, "bench-logs", queryPort));
            query.addAll(List.of("-jar", root.resolve("query-service/target/query-service-0.1.0-all.jar").toString()));
            processes.add(start(query, results.resolve("query.log")));
            String authorization = "Bearer " + identity.token("bench", LocalIdentity.ALL_SERVICES);
            ConsumerProcess.awaitHealthy(URI.create("http://127.0.0.1:" + queryPort + "/health"));
            putToQueryable(aws, queryPort, 20, authorization, null); // warm the query path

            double before = ConsumerProcess.storedAt(metrics);
            cpu.start();
            Load load = Load.start(aws, rate, seconds);
            List<Double> latencies = putToQueryable(aws, queryPort, Integer.MAX_VALUE, authorization, load);
            long loaded = load.await();
            double expected = before + loaded + latencies.size();
            awaitStored(metrics, before, expected, deadline);
            Map<String, Double> loadCpu = cpu.since();
            double loadStored = ConsumerProcess.storedAt(metrics) - before;
            double loadCpuPerRecordUs = loadCpu.get("consumer") * 1e6 / loadStored;

            double best = ceiling.get(8);
            double p50 = percentile(latencies, 0.5);
            double p99 = percentile(latencies, 0.99);
            int cores = CpuMeter.cores();
            StringBuilder table = new StringBuilder(String.format("%n%-62s %12s%n",
                    "measure (kinesalite + DynamoDB Local, " + cores + " cores)", "value"));
            ceiling.forEach((writers, value) -> table.append(String.format("%-62s %12.0f%n",
                    "raw BatchWriteItem ceiling, warm, " + writers + " writers (items/s)", value)));
            table.append(String.format("%-62s %12.0f%n", "first " + records / 2
                    + " records from process start (records/s)", coldRate));
            table.append(String.format("%-62s %12.1f%n", "  consumer CPU per record, start-up and JIT included (us)",
                    coldCpuPerRecordUs));
            table.append(String.format("%-62s %12.0f%n", "consumer drain of " + (long) drained + " records (records/s)",
                    drainRate));
            table.append(String.format("%-62s %11.0f%%%n", "drain / warm 8-writer ceiling, the fill included",
                    100 * drainRate / best));
            table.append(String.format("%-62s %12.0f%n", "  the fill: PutRecords into kinesalite meanwhile (records/s)",
                    fillRate));
            table.append(String.format("%-62s %11.0f%%%n", "  stored when the fill ended", 100 * storedAtFillEnd / drained));
            table.append(String.format("%-62s %12.0f%n", "backlog drain, after the fill ended (records/s)", backlogRate));
            table.append(String.format("%-62s %11.0f%%%n", "backlog drain / warm 8-writer ceiling (goal >= 80 %)",
                    100 * backlogRate / best));
            table.append(String.format("%-62s %12.1f%n", "consumer CPU per stored record, drain (us, goal <= 60)",
                    cpuPerRecordUs));
            table.append(String.format("%-62s %12.1f%n", "  of which JIT compiler threads (us)", jitPerRecordUs));
            table.append(String.format("%-62s %12.1f%n", "  of which garbage collector threads (us)", gcPerRecordUs));
            table.append(String.format("%-62s %12d%n", "  warm-up drains of " + records / 2 + " before it", warmUpDrains));
            table.append(String.format("%-62s %12.1f%n", "consumer CPU per record since process start, all included (us)",
                    lifetimeCpuPerRecordUs));
            table.append(String.format("%-62s %12.1f%n", "consumer CPU while idle, 4 shards (ms per s)",
                    idleMsPerSecond));
            table.append(String.format("%-62s %12.1f%n", "  of which JIT compiler threads (ms per s)",
                    idleJitMsPerSecond));
            double engineCoresDrain = drainCpu.get("DynamoDB Local + benchmark JVM") / drainSeconds;
            table.append(String.format("%-62s %12.0f%n", "DynamoDB Local items per CPU-second, 8-writer ceiling",
                    best / ceilingCpuShare));
            table.append(String.format("%-62s %12.0f%n", "DynamoDB Local items per CPU-second, consumer drain",
                    drainRate / engineCoresDrain));
            drainCpu.forEach((name, secondsUsed) -> {
                if (!name.equals("wall")) {
                    table.append(String.format("%-62s %11.0f%%%n", "share of " + cores + " cores during the drain: "
                            + name, 100 * secondsUsed / (drainSeconds * cores)));
                }
            });
            table.append(String.format("%-62s %12.0f%n", "load: records/s put for " + seconds + " s", loaded / (double) seconds));
            table.append(String.format("%-62s %12.1f%n", "consumer CPU per stored record under load (us)",
                    loadCpuPerRecordUs));
            table.append(String.format("%-62s %12.0f%n", "put -> queryable under load, p50 (ms)", p50));
            table.append(String.format("%-62s %12.0f%n", "put -> queryable under load, p99 (ms, goal <= 300)", p99));
            table.append(String.format("%-62s %12d%n", "probes", latencies.size()));
            LOG.info(table.toString());
            StringBuilder csv = new StringBuilder("measure,value\n");
            ceiling.forEach((w, v) -> csv.append("raw_ceiling_warm_").append(w).append("_writers_items_per_s,")
                    .append(String.format("%.0f", v)).append('\n'));
            csv.append(String.format("drain_records_per_s,%.0f%ndrain_to_warm_8_writer_ceiling,%.3f%n"
                            + "fill_records_per_s,%.0f%nstored_at_fill_end,%.3f%n"
                            + "backlog_drain_records_per_s,%.0f%nbacklog_drain_to_warm_8_writer_ceiling,%.3f%n"
                            + "consumer_cpu_us_per_record_drain,%.1f%nconsumer_jit_us_per_record_drain,%.1f%n"
                            + "consumer_gc_us_per_record_drain,%.1f%nconsumer_idle_cpu_ms_per_s,%.1f%n"
                            + "consumer_idle_jit_ms_per_s,%.1f%nconsumer_cpu_us_per_record_since_start,%.1f%n"
                            + "warm_up_drains,%d%n"
                            + "consumer_core_share_drain,%.3f%n"
                            + "engines_core_share_drain,%.3f%nload_records_per_s,%.0f%n"
                            + "consumer_cpu_us_per_record_load,%.1f%nput_to_queryable_p50_ms,%.0f%n"
                            + "put_to_queryable_p99_ms,%.0f%nrecords,%d%nprobes,%d%n",
                    drainRate, drainRate / best, fillRate, storedAtFillEnd / drained, backlogRate, backlogRate / best,
                    cpuPerRecordUs, jitPerRecordUs, gcPerRecordUs, idleMsPerSecond,
                    idleJitMsPerSecond, lifetimeCpuPerRecordUs, warmUpDrains,
                    drainCpu.get("consumer") / (drainSeconds * cores),
                    (drainCpu.values().stream().mapToDouble(Double::doubleValue).sum() - drainCpu.get("consumer")
                            - drainSeconds) / (drainSeconds * cores),
                    loaded / (double) seconds, loadCpuPerRecordUs, p50, p99, (long) drained, latencies.size()));
            Files.writeString(results.resolve("pipeline.csv"), csv.toString());
            Files.writeString(results.resolve("pipeline.txt"), table.toString());
            chart(ceiling, drainRate, p50, p99, results.resolve("pipeline.png").toFile());
        } finally {
            for (Process process : processes) {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
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

    /** Records put at a steady rate (batches every 50 ms, 5 % ERROR) on a thread of its own. */
    private static final class Load {
        private final Thread thread;
        private final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        private volatile boolean done;

        private Load(LocalAws aws, int rate, int seconds) {
            thread = new Thread(() -> {
                LogGenerator generator = new LogGenerator(11, 6, 0.05, 0, 150);
                int perTick = Math.max(1, rate / 20);
                long start = System.nanoTime();
                for (long tick = 0; tick < seconds * 20L; tick++) {
                    long due = start + tick * 50_000_000L;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                    List<PutRecordsRequestEntry> entries = new ArrayList<>();
                    for (int i = 0; i < perTick; i++) {
                        entries.add(PutRecordsRequestEntry.builder().data(SdkBytes.fromByteArray(generator.next()))
                                .partitionKey(Long.toString(tick * perTick + i)).build());
                    }
                    putAll(aws, entries);
                    sent.addAndGet(perTick);
                }
                done = true;
            }, "load");
            thread.start();
        }

        static Load start(LocalAws aws, int rate, int seconds) {
            return new Load(aws, rate, seconds);
        }

        boolean running() {
            return !done;
        }

        long await() throws InterruptedException {
            thread.join();
            return sent.get();
        }
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
                putAll(aws, entries);
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdownNow();
    }

    /** PutRecords, resending the entries the stream refused until every one is in. */
    private static void putAll(LocalAws aws, List<PutRecordsRequestEntry> entries) {
        List<PutRecordsRequestEntry> pending = entries;
        while (!pending.isEmpty()) {
            List<PutRecordsRequestEntry> current = pending;
            var response = aws.kinesis().putRecords(b -> b.streamName("bench").records(current));
            List<PutRecordsRequestEntry> failed = new ArrayList<>();
            for (int i = 0; i < current.size(); i++) {
                if (response.records().get(i).errorCode() != null) {
                    failed.add(current.get(i));
                }
            }
            pending = failed;
        }
    }

    /** Probes put one at a time ({@code probes} of them, or while {@code load} runs), each polled until queryable. */
    private static List<Double> putToQueryable(LocalAws aws, int queryPort, int probes, String authorization, Load load)
            throws Exception {
        List<Double> latencies = new ArrayList<>();
        for (int i = 0; i < probes && (load == null || load.running()); i++) {
            String id = "probe-" + i + "-" + UUID.randomUUID().toString().substring(0, 8);
            String json = "{\"service\":\"latency-probe\",\"level\":\"INFO\",\"message\":\"probe\",\"id\":\"" + id + "\"}";
            URI uri = URI.create("http://127.0.0.1:" + queryPort + "/v1/services/latency-probe/logs?limit=1");
            long start = System.nanoTime();
            aws.kinesis().putRecord(b -> b.streamName("bench").partitionKey(id).data(SdkBytes.fromUtf8String(json)));
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

    private static double percentile(List<Double> values, double p) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
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
