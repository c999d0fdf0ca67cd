package io.logstream.bench;

import io.logstream.localaws.ConsumerProperties;
import io.logstream.localaws.DynamoDbLimitProxy;
import io.logstream.localaws.KinesisEngine;
import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LogPayload;
import io.logstream.model.Buckets;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogItemMapper;
import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.store.Direction;
import io.logstream.query.store.LogQuery;
import io.logstream.query.store.LogRepository;
import io.logstream.query.store.ReadBudgets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Write sharding, measured (issue: scale): one hot service put at 3x the per-key limit among 50 quiet services at 2
 * records/s each, on 4 shards, with DynamoDB Local behind {@link DynamoDbLimitProxy}, in three runs: the quiet
 * services alone (the baseline), then with the hot service and write sharding off, then on. For each it prints the
 * hot service's stored rate against its put rate, the calls and items throttled, the time from the overload's start
 * until no call was throttled, and the quiet services' put -> stored p50 and p99 (also counted from the settle
 * time on), and every write unit the proxy metered (items, level index, catalogue, watermark, bucket table, KCL's
 * leases and checkpoints) per record stored. Then it reads a latest-50 page and a 1-minute window of three services of
 * the same size with 1, 4 and 16 buckets through query-service's own {@link LogRepository} (queries, read units,
 * p50/p99), and measures the consumer's CPU per 1 kB INFO record at one total rate over 4, 16 and 64 shards and over 1,
 * 2 and 4 workers, with the write units per record of each. Writes {@code scale.csv} and {@code scale.txt} in {@code benchmarks/results}.
 * Usage: {@code scripts/bench-scale.sh [limit=200] [seconds=60]}.
 */
public final class ScaleBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger("bench");
    private static final int QUIET_SERVICES = 50;
    private static final int QUIET_RATE = 2;
    /** Each read's p50 with one bucket, for the ratios of the sharded ones. */
    private static final Map<String, Double> unshardedP50 = new java.util.HashMap<>();
    /** The fixed total rate of the CPU sweep. */
    private static final int CPU_RATE = 1000;

    private ScaleBenchmark() {
    }

    /** One run's figures. */
    private record Run(String name, double hotPut, double hotStored, long throttledCalls, long throttledItems,
                       double settleSeconds, double quietP50, double quietP99, double quietP99Settled, double missing,
                       int hotBuckets, double unitsPerRecord) {
    }

    public static void main(String[] args) throws Exception {
        int limit = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        Path root = Path.of(System.getProperty("logstream.root", "."));
        Path results = root.resolve("benchmarks/results");
        Files.createDirectories(results);
        Measures m = new Measures("measure (per-key limit " + limit + " units/s, 4 shards, " + seconds + " s a run)");
        try (LocalAws aws = LocalAws.start(KinesisEngine.Kind.KINESALITE)) {
            Run baseline = run(aws, root, results, "baseline", limit, seconds, false, true, null);
            Run off = run(aws, root, results, "off", limit, seconds, true, false, null);
            Measures reads = new Measures("read cost: 6,000 records in one minute, through LogRepository");
            Run on = run(aws, root, results, "on", limit, seconds, true, true, reads);
            m.add("per-key write limit (units/s)", "limit_units_per_s", limit, 0);
            for (Run run : List.of(baseline, off, on)) {
                String k = run.name() + "_";
                String l = run.name().equals("baseline") ? "no hot service: " : "sharding " + run.name() + ": ";
                if (!run.name().equals("baseline")) {
                    m.add(l + "hot put rate (records/s)", k + "hot_put_per_s", run.hotPut(), 0);
                    m.add(l + "hot stored rate during the put (records/s)", k + "hot_stored_per_s", run.hotStored(), 0);
                    m.add(l + "calls throttled", k + "throttled_calls", run.throttledCalls(), 0);
                    m.add(l + "items throttled", k + "throttled_items", run.throttledItems(), 0);
                    m.add(l + "overload start -> last throttled call (s)", k + "settle_s", run.settleSeconds(), 1);
                    m.add(l + "hot service's buckets at the end", k + "hot_buckets", run.hotBuckets(), 0);
                }
                m.add(l + "quiet put -> stored p50 (s)", k + "quiet_p50_s", run.quietP50(), 2);
                m.add(l + "quiet put -> stored p99 (s)", k + "quiet_p99_s", run.quietP99(), 2);
                if (!run.name().equals("baseline") && run.quietP99Settled() > 0) {
                    m.add(l + "quiet p99 of records put after the settle (s)", k + "quiet_p99_settled_s",
                            run.quietP99Settled(), 2);
                }
                m.share(l + "quiet records missing 2 min after the puts", k + "quiet_missing", run.missing());
                m.add(l + "write units per stored record, all included", k + "units_per_record", run.unitsPerRecord(), 3);
            }
            m.add("settled quiet p99 / baseline quiet p99 (goal <= 1.5)", "settled_p99_ratio",
                    on.quietP99Settled() / baseline.quietP99(), 2);
            Measures cpu = new Measures("consumer CPU per record at " + CPU_RATE + " records/s (no limit)");
            write(results, m, reads, cpu); // kept even if the sweep fails
            if (!"0".equals(System.getenv("CPU_SWEEP"))) {
                cpuSweep(aws, root, results, cpu, seconds / 2);
            }
            write(results, m, reads, cpu);
        }
        System.exit(0);
    }

    private static void write(Path results, Measures... parts) throws java.io.IOException {
        StringBuilder table = new StringBuilder();
        StringBuilder csv = new StringBuilder("measure,value\n");
        for (Measures part : parts) {
            table.append(part.table());
            csv.append(part.csv().substring("measure,value\n".length()));
        }
        LOG.info(table.toString());
        Files.writeString(results.resolve("scale.csv"), csv);
        Files.writeString(results.resolve("scale.txt"), table);
    }

    private static Run run(LocalAws aws, Path root, Path results, String name, int limit, int seconds, boolean withHot,
                           boolean sharding, Measures reads) throws Exception {
        String stream = "scale-" + name;
        String table = "scale-logs-" + name;
        aws.createStream(stream, 4);
        aws.createLogsTable(table);
        String queue = aws.createQueue("scale-dlq-" + name);
        try (DynamoDbLimitProxy dynamo = new DynamoDbLimitProxy(aws, limit)) {
            List<String> properties = new ArrayList<>(ConsumerProperties.asPairs(
                    ConsumerProperties.wiring(stream, "scale-app-" + name, table, queue)));
            properties.addAll(List.of("log-stream.kcl.lease-assignment-strategy=LEASE_COUNT_BASED",
                    "aws.services.dynamodb.endpoint-override=" + dynamo.endpoint(), "LOG_FORMAT=text",
                    "log-stream.buckets.auto=" + sharding, "log-stream.buckets.key-write-limit=" + limit));
            ConsumerProcess consumer = ConsumerProcess.start(root, aws, properties,
                    results.resolve("scale-consumer-" + name + ".log"));
            long ready = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (consumer.shards().size() < 4 && System.nanoTime() < ready) {
                Thread.sleep(200);
            }
            Map<String, Long> quietPutAt = new ConcurrentHashMap<>();
            List<long[]> throttles = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.ScheduledExecutorService sampler = java.util.concurrent.Executors
                    .newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> throttles.add(new long[]{System.currentTimeMillis(),
                    dynamo.throttledItems.get()}), 0, 250, TimeUnit.MILLISECONDS);
            long started = System.currentTimeMillis();
            long hotPut = produce(aws, stream, withHot ? 3 * limit : 0, seconds, quietPutAt);
            long ended = System.currentTimeMillis();
            LOG.info("{}: put {} hot and {} quiet records in {} s", name, hotPut, quietPutAt.size(),
                    (ended - started) / 1000);
            long deadline = System.currentTimeMillis() + TimeUnit.MINUTES.toMillis(2);
            Map<String, Long> stored = quietStored(aws, table);
            while (stored.size() < quietPutAt.size() && System.currentTimeMillis() < deadline) {
                Thread.sleep(2000);
                stored.putAll(quietStored(aws, table));
            }
            sampler.shutdownNow();
            long settledAt = started;
            for (int i = 1; i < throttles.size(); i++) {
                if (throttles.get(i)[1] > throttles.get(i - 1)[1]) {
                    settledAt = throttles.get(i)[0];
                }
            }
            List<Long> delays = new ArrayList<>();
            List<Long> settled = new ArrayList<>();
            long settleTime = settledAt;
            quietPutAt.forEach((id, at) -> {
                Long ingested = stored.get(id);
                if (ingested != null) {
                    delays.add(ingested - at);
                    if (at > settleTime) {
                        settled.add(ingested - at);
                    }
                }
            });
            Buckets.Table hotTable = bucketTable(aws, table).getOrDefault("hot", Buckets.Table.SINGLE);
            long hotStored = withHot ? hotStoredBy(aws, table, hotTable, ended) : 0;
            consumer.stopGracefully();
            aws.kinesis().deleteStream(b -> b.streamName(stream)); // kinesalite caps the shards of all streams
            long units = dynamo.units().values().stream().mapToLong(Long::longValue).sum();
            long allStored = (withHot ? hotStoredBy(aws, table, hotTable, Long.MAX_VALUE) : 0) + stored.size();
            if (reads != null) {
                readCost(aws, dynamo, table, stream, reads);
            }
            double putSeconds = (ended - started) / 1000.0;
            return new Run(name, hotPut / putSeconds, hotStored / putSeconds, dynamo.throttledCalls.get(),
                    dynamo.throttledItems.get(), (settledAt - started) / 1000.0,
                    PipelineBenchmark.percentile(delays, 0.5) / 1000.0, PipelineBenchmark.percentile(delays, 0.99) / 1000.0,
                    settled.isEmpty() ? 0 : PipelineBenchmark.percentile(settled, 0.99) / 1000.0,
                    1 - (double) delays.size() / quietPutAt.size(), hotTable.countAt(ended), (double) units / allStored);
        }
    }

    /**
     * The consumer's CPU per record at one total rate over 4, 16 and 64 shards with one worker, and over 1, 2 and 4
     * workers on 16 shards: CPU seconds of every worker process (kernel accounting) from the first put until every
     * record is stored, divided by the records; and the workers' idle CPU (cores) before the put.
     */
    private static void cpuSweep(LocalAws aws, Path root, Path results, Measures cpu, int seconds) throws Exception {
        double base = 0;
        for (int[] config : new int[][]{{4, 1}, {16, 1}, {64, 1}, {16, 2}, {16, 4}}) {
            int shards = config[0];
            int workerCount = config[1];
            String name = "cpu-" + shards + "-" + workerCount;
            aws.createStream(name, shards);
            aws.createLogsTable(name);
            String queue = aws.createQueue(name + "-dlq");
            DynamoDbLimitProxy metered = new DynamoDbLimitProxy(aws, DynamoDbLimitProxy.UNLIMITED);
            List<String> properties = new ArrayList<>(ConsumerProperties.asPairs(
                    ConsumerProperties.wiring(name, name + "-app", name, queue)));
            properties.addAll(List.of("log-stream.kcl.lease-assignment-strategy=LEASE_COUNT_BASED", "LOG_FORMAT=text",
                    "aws.services.dynamodb.endpoint-override=" + metered.endpoint()));
            List<ConsumerProcess> workers = new ArrayList<>();
            CpuMeter meter = new CpuMeter();
            for (int i = 0; i < workerCount; i++) {
                ConsumerProcess worker = ConsumerProcess.start(root, aws, properties,
                        results.resolve("scale-" + name + "-" + i + ".log"));
                workers.add(worker);
                meter.add("worker-" + i, worker.handle());
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
                while (i == 0 ? worker.shards().isEmpty() : !worker.healthy()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(name + ": worker " + i + " did not start");
                    }
                    Thread.sleep(200);
                }
            }
            long balanced = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (workers.stream().mapToInt(w -> w.shards().size()).sum() < shards
                    || workers.stream().anyMatch(w -> w.shards().isEmpty())) {
                if (System.nanoTime() > balanced) {
                    throw new IllegalStateException(name + ": leases not taken in 3 minutes");
                }
                Thread.sleep(500);
            }
            Thread.sleep(5000);
            meter.start();
            Thread.sleep(10_000);
            double idle = meter.since().entrySet().stream().filter(e -> e.getKey().startsWith("worker"))
                    .mapToDouble(Map.Entry::getValue).sum() / 10.0;
            double storedBefore = workers.stream().mapToDouble(ConsumerProcess::stored).sum();
            meter.start();
            long unitsBefore = metered.units().values().stream().mapToLong(Long::longValue).sum();
            long put = putAtRate(aws, name, CPU_RATE, seconds);
            long drained = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (workers.stream().mapToDouble(ConsumerProcess::stored).sum() - storedBefore < put
                    && System.nanoTime() < drained) {
                Thread.sleep(100);
            }
            Map<String, Double> used = meter.since();
            double stored = workers.stream().mapToDouble(ConsumerProcess::stored).sum() - storedBefore;
            double busy = used.entrySet().stream().filter(e -> e.getKey().startsWith("worker"))
                    .mapToDouble(Map.Entry::getValue).sum();
            double perRecord = busy / stored * 1e6;
            base = base == 0 ? perRecord : base;
            String label = shards + " shards, " + workerCount + (workerCount == 1 ? " worker" : " workers");
            cpu.add(label + ": CPU per record (us)", name + "_us_per_record", perRecord, 1);
            cpu.add(label + ": ratio to 4 shards, 1 worker", name + "_ratio", perRecord / base, 2);
            cpu.add(label + ": idle CPU, all workers (cores)", name + "_idle_cores", idle, 3);
            cpu.add(label + ": CPU per record above the idle cost (us)", name + "_us_above_idle",
                    (busy - idle * used.get("wall")) / stored * 1e6, 1);
            cpu.add(label + ": write units per stored record, all included", name + "_units_per_record",
                    (metered.units().values().stream().mapToLong(Long::longValue).sum() - unitsBefore) / stored, 3);
            LOG.info("{}: {} put, {} stored, {} CPU s, {} us/record", name, put, stored, busy, perRecord);
            for (ConsumerProcess worker : workers) {
                worker.stopGracefully();
            }
            metered.close();
            aws.kinesis().deleteStream(b -> b.streamName(name)); // kinesalite caps the shards of all streams
        }
    }

    /**
     * {@code rate} INFO records a second of 1,000 bytes of JSON each over 50 services for {@code seconds}, in batches
     * every 100 ms.
     */
    private static long putAtRate(LocalAws aws, String stream, int rate, int seconds) throws InterruptedException {
        long put = 0;
        long start = System.nanoTime();
        for (int tick = 0; tick < seconds * 10; tick++) {
            List<PutRecordsRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < rate / 10; i++) {
                String message = "request " + put + " handled ";
                LogPayload payload = LogPayload.of(String.format("svc-%02d", put % 50)).level("INFO").message(message);
                int pad = 1000 - payload.bytes().length;
                entries.add(entry(LogPayload.of(String.format("svc-%02d", put++ % 50)).level("INFO")
                        .message(message + "x".repeat(Math.max(0, pad)))));
            }
            Puts.putAll(aws.kinesis(), stream, entries);
            long wait = start + (tick + 1) * 100_000_000L - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000);
            }
        }
        return put;
    }

    /**
     * Three services of the same size, 6,000 records over one minute, with 1, 4 and 16 buckets (written as the
     * consumer writes them, with their epochs), each read through query-service's own {@link LogRepository} on the
     * proxy: a latest-50 page 200 times and the whole minute 5 times.
     */
    private static void readCost(LocalAws aws, DynamoDbLimitProxy dynamo, String table, String stream, Measures reads)
            throws Exception {
        long end = System.currentTimeMillis() - 120_000;
        for (int count : new int[]{1, 4, 16}) {
            String service = "read-" + count;
            Buckets.Table buckets = count == 1 ? Buckets.Table.SINGLE
                    : Buckets.Table.of(List.of(new Buckets.Epoch(end - 3_600_000, count)));
            if (count > 1) {
                aws.dynamoDb().putItem(b -> b.tableName(table).item(Map.of(LogKeys.PK,
                        AttributeValue.fromS(LedgerKeys.BUCKETS_PK), LogKeys.SK, AttributeValue.fromS(
                                LedgerKeys.epochKey(service, end - 3_600_000)), LedgerKeys.BUCKETS,
                        AttributeValue.fromN(Integer.toString(count)))));
            }
            List<software.amazon.awssdk.services.dynamodb.model.WriteRequest> writes = new ArrayList<>();
            String padding = "p".repeat(200);
            for (int i = 0; i < 6_000; i++) {
                LogRecord record = new LogRecord(service, LogLevel.INFO, "read " + i + " " + padding,
                        end - 60_000 + i * 10L, UUID.randomUUID().toString(), null, null, Map.of(), end);
                writes.add(software.amazon.awssdk.services.dynamodb.model.WriteRequest.builder().putRequest(b -> b
                        .item(LogItemMapper.toItem(record, null, Buckets.bucketOf(buckets, record.ts(), record.id(),
                                record.ts())))).build());
            }
            for (int from = 0; from < writes.size(); from += 25) {
                List<software.amazon.awssdk.services.dynamodb.model.WriteRequest> chunk =
                        writes.subList(from, Math.min(writes.size(), from + 25));
                aws.dynamoDb().batchWriteItem(b -> b.requestItems(Map.of(table, chunk)));
            }
        }
        Map<String, Object> properties = new java.util.HashMap<>();
        properties.put("log-stream.table", table);
        properties.put("log-stream.stream", stream);
        properties.put("log-stream.auth.mode", "none");
        properties.put("aws.region", aws.region().id());
        properties.put("aws.services.dynamodb.endpoint-override", dynamo.endpoint().toString());
        properties.put("micronaut.server.port", "-1");
        try (io.micronaut.context.ApplicationContext context = io.micronaut.context.ApplicationContext.run(properties)) {
            LogRepository repository = context.getBean(LogRepository.class);
            ReadBudgets budgets = context.getBean(ReadBudgets.class);
            for (int count : new int[]{1, 4, 16}) {
                String service = "read-" + count;
                String label = count + (count == 1 ? " bucket" : " buckets");
                measureRead(reads, dynamo, label + ", latest-50 page", "b" + count + "_latest50", 200, () -> repository
                        .find(new LogQuery(service, 50, null, null, Direction.BACKWARD, Set.of(), null), budgets.start())
                        .records().size());
                measureRead(reads, dynamo, label + ", 1-minute window (6,000 records)", "b" + count + "_window1m", 5,
                        () -> {
                            int records = 0;
                            String after = null;
                            do {
                                LogRepository.Slice slice = repository.find(new LogQuery(service, 1000, end - 60_000,
                                        end, Direction.FORWARD, Set.of(), after), budgets.start(1_000_000));
                                records += slice.records().size();
                                after = slice.nextPosition();
                            } while (after != null);
                            return records;
                        });
            }
        }
    }

    private static void measureRead(Measures reads, DynamoDbLimitProxy dynamo, String label, String key, int times,
                                    java.util.function.IntSupplier read) {
        read.getAsInt(); // warm
        List<Double> millis = new ArrayList<>();
        long queries = dynamo.queries.sum();
        double units = dynamo.readUnits.sum();
        int records = 0;
        for (int i = 0; i < times; i++) {
            long t0 = System.nanoTime();
            records = read.getAsInt();
            millis.add((System.nanoTime() - t0) / 1e6);
        }
        reads.add(label + ": records", key + "_records", records, 0);
        reads.add(label + ": DynamoDB queries per read", key + "_queries", (dynamo.queries.sum() - queries) / (double) times, 1);
        reads.add(label + ": read units per read", key + "_read_units", (dynamo.readUnits.sum() - units) / times, 1);
        reads.add(label + ": p50 (ms)", key + "_p50_ms", PipelineBenchmark.percentile(millis, 0.5), 1);
        double p50 = PipelineBenchmark.percentile(millis, 0.5);
        if (key.startsWith("b1_")) {
            unshardedP50.put(key.substring(3), p50);
        } else {
            reads.add(label + ": p50 / 1 bucket's", key + "_p50_ratio", p50 / unshardedP50.get(key.substring(key.indexOf('_') + 1)), 2);
        }
        reads.add(label + ": p99 (ms)", key + "_p99_ms", PipelineBenchmark.percentile(millis, 0.99), 1);
    }

    private static Map<String, Buckets.Table> bucketTable(LocalAws aws, String table) {
        return Buckets.tables(aws.dynamoDb().queryPaginator(b -> b.tableName(table).keyConditionExpression("pk = :pk")
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(LedgerKeys.BUCKETS_PK)))).items(),
                (item, e) -> { });
    }

    /** The hot service at {@code hotRate} and the quiet ones at 2/s each, in batches every 100 ms. */
    private static long produce(LocalAws aws, String stream, int hotRate, int seconds, Map<String, Long> quietPutAt)
            throws InterruptedException {
        long hot = 0;
        long start = System.nanoTime();
        String padding = "p".repeat(200);
        for (int tick = 0; tick < seconds * 10; tick++) {
            List<PutRecordsRequestEntry> entries = new ArrayList<>();
            List<String> quietIds = new ArrayList<>();
            for (int i = 0; i < hotRate / 10; i++) {
                entries.add(entry(LogPayload.of("hot").level("INFO").message("hot " + hot++ + " " + padding)));
            }
            for (int s = 0; s < QUIET_SERVICES; s++) {
                if ((tick + s) % (10 / QUIET_RATE) == 0) {
                    String id = UUID.randomUUID().toString();
                    quietIds.add(id);
                    entries.add(entry(LogPayload.of(String.format("quiet-%02d", s)).level("INFO").message("quiet")
                            .id(id)));
                }
            }
            for (int from = 0; from < entries.size(); from += 500) {
                Puts.putAll(aws.kinesis(), stream, entries.subList(from, Math.min(entries.size(), from + 500)));
            }
            long now = System.currentTimeMillis();
            quietIds.forEach(id -> quietPutAt.put(id, now));
            long wait = start + (tick + 1) * 100_000_000L - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000);
            }
        }
        return hot;
    }

    private static PutRecordsRequestEntry entry(LogPayload payload) {
        return PutRecordsRequestEntry.builder().partitionKey(UUID.randomUUID().toString())
                .data(SdkBytes.fromByteArray(payload.bytes())).build();
    }

    /** The quiet records stored so far: id -> ingestedAt. */
    private static Map<String, Long> quietStored(LocalAws aws, String table) {
        Map<String, Long> stored = new ConcurrentHashMap<>();
        for (int s = 0; s < QUIET_SERVICES; s++) {
            String service = String.format("quiet-%02d", s);
            aws.dynamoDb().queryPaginator(b -> b.tableName(table).keyConditionExpression("pk = :pk")
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(service)))).items()
                    .forEach(item -> stored.put(item.get("id").s(), Long.parseLong(item.get("ingestedAt").n())));
        }
        return stored;
    }

    /** Hot records stored (ingestedAt) by {@code at}, over every bucket the hot service ever had. */
    private static long hotStoredBy(LocalAws aws, String table, Buckets.Table buckets, long at) {
        long stored = 0;
        for (int bucket = 0; bucket < buckets.bucketsFor(0, LogKeys.MAX_TS); bucket++) {
            String pk = Buckets.partitionKey("hot", bucket);
            stored += aws.dynamoDb().queryPaginator(b -> b.tableName(table).keyConditionExpression("pk = :pk")
                            .filterExpression("ingestedAt <= :at").select("COUNT")
                            .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk),
                                    ":at", AttributeValue.fromN(Long.toString(at)))))
                    .stream().mapToLong(page -> page.count()).sum();
        }
        return stored;
    }
}
