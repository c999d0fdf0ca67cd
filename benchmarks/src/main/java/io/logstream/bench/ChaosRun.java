package io.logstream.bench;

import io.logstream.producer.PoisonRecords;
import io.logstream.localaws.ConsumerProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.localaws.KinesisEngine;
import io.logstream.localaws.DynamoDbLimitProxy;
import io.logstream.model.LogKeys;
import io.logstream.model.Buckets;
import io.logstream.model.Counts;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogLevel;
import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LogPayload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.ScalingType;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.sqs.model.Message;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Chaos run of the whole consumer (its jar, two workers) on the local engines: records (5 % ERROR, 0.5 % poison)
 * are put while one worker is killed with -9 several times and restarted, the stream is resharded (4 → 8 → 4
 * shards), and DynamoDB answers half of the BatchWriteItem calls with ProvisionedThroughputExceededException for a
 * while. Then it checks: nothing lost, nothing stored twice, every poison record dead-lettered, every ERROR alerted,
 * and every child shard's records stored only after all of its parents' records. Half of the records are one hot
 * service's, put at 1.5 times the per-key write limit the proxy enforces ({@value #KEY_LIMIT} units/s), so the
 * consumer write-shards it during the run: a run without a bucket change fails too. Exit code 0 only if all hold.
 * Usage: {@code scripts/chaos.sh [short|long] [records]}.
 */
public final class ChaosRun {
    private static final Logger LOG = LoggerFactory.getLogger("bench");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STREAM = "chaos";
    private static final String TABLE = "chaos-logs";
    private static final String APP = "chaos-app";
    private static final String HOT = "chaos-hot";
    /** Per-key write units a second; the hot service is put at half of the rate, 1.5 times this at 300/s. */
    private static final int KEY_LIMIT = 100;

    private record Plan(String mode, int records, int rate, int kills, int throttleSeconds, int drainMinutes) {
    }

    /** polling (the default) or fanout: {@code -Dchaos.retrieval}, from the script's RETRIEVAL. */
    private static final String RETRIEVAL = System.getProperty("chaos.retrieval", "polling");
    /**
     * Whether the run reshards: always with polling; with fan-out only when asked ({@code -Dchaos.reshard=true}).
     * kinesis-mock's SubscribeToShard never ends a closed shard (no ChildShards, ContinuationSequenceNumber never
     * null), so KCL keeps re-subscribing to the parents and never reaches the children (docs/consumer.md).
     */
    private static final boolean RESHARD = !"fanout".equals(RETRIEVAL) || Boolean.getBoolean("chaos.reshard");

    private ChaosRun() {
    }

    public static void main(String[] args) throws Exception {
        boolean longMode = args.length > 0 && "long".equals(args[0]);
        int records = args.length > 1 ? Integer.parseInt(args[1]) : longMode ? 100_000 : 6_000;
        Plan plan = longMode ? new Plan("long", records, 300, 5, 30, 20) : new Plan("short", records, 300, 2, 10, 8);
        Path root = Path.of(System.getProperty("logstream.root", "."));
        Path logs = root.resolve("benchmarks/results/chaos-logs");
        Files.createDirectories(logs);
        boolean held;
        try (LocalAws aws = LocalAws.start(KinesisEngine.Kind.KINESIS_MOCK);
             DynamoDbLimitProxy dynamo = new DynamoDbLimitProxy(aws, KEY_LIMIT)) {
            held = run(plan, root, logs, aws, dynamo);
        }
        System.exit(held ? 0 : 1);
    }

    private static boolean run(Plan plan, Path root, Path logs, LocalAws aws, DynamoDbLimitProxy dynamo) throws Exception {
        aws.createStream(STREAM, 4);
        aws.createLogsTable(TABLE);
        aws.createLeaseTable(APP);
        String queue = aws.createQueue("chaos-dlq");
        List<String> properties = new ArrayList<>(ConsumerProperties.asPairs(
                ConsumerProperties.wiring(STREAM, APP, TABLE, queue)));
        properties.addAll(List.of("log-stream.kcl.retrieval=" + RETRIEVAL,
                "log-stream.kcl.lease-assignment-strategy=LEASE_COUNT_BASED",
                "aws.services.dynamodb.endpoint-override=" + dynamo.endpoint(), "LOG_FORMAT=text",
                "log-stream.buckets.key-write-limit=" + KEY_LIMIT));
        List<AtomicReference<ConsumerProcess>> workers = new ArrayList<>();
        int[] started = {0};
        // one after the other: two workers initialising a brand-new application in the same second trip over KCL's
        // migration-state creation (docs/consumer.md, KCL 3 notes)
        for (int i = 0; i < 2; i++) {
            ConsumerProcess worker = ConsumerProcess.start(root, aws, properties,
                    logs.resolve("worker-" + started[0]++ + ".log"));
            workers.add(new AtomicReference<>(worker));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (i == 0 ? worker.shards().isEmpty() : !worker.healthy()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("worker " + i + " did not start; see " + logs);
                }
                Thread.sleep(200);
            }
        }
        Random random = new Random(42);
        double seconds = (double) plan.records() / plan.rate();
        ScheduledExecutorService chaos = Executors.newScheduledThreadPool(2);
        List<String> events = new ArrayList<>();
        for (int k = 0; k < plan.kills(); k++) {
            long at = (long) ((0.1 + 0.8 * random.nextDouble()) * seconds * 1000);
            chaos.schedule(() -> {
                AtomicReference<ConsumerProcess> victim = workers.get(random.nextInt(2));
                try {
                    victim.get().kill();
                    events.add(String.format("%.0f s: kill -9 a worker", at / 1000.0));
                    Thread.sleep(3000);
                    synchronized (started) {
                        victim.set(ConsumerProcess.start(root, aws, properties,
                                logs.resolve("worker-" + started[0]++ + ".log")));
                    }
                } catch (Exception e) {
                    LOG.error("kill/restart failed", e);
                }
            }, at, TimeUnit.MILLISECONDS);
        }
        if (RESHARD) {
            chaos.schedule(() -> reshard(aws, 8, events), (long) (0.3 * seconds * 1000), TimeUnit.MILLISECONDS);
            chaos.schedule(() -> reshard(aws, 4, events), (long) (0.65 * seconds * 1000), TimeUnit.MILLISECONDS);
        } else {
            events.add("no reshard: kinesis-mock's fan-out never ends a closed shard (docs/consumer.md)");
        }
        chaos.schedule(() -> {
            dynamo.throttle(0.5);
            events.add("throttling half of BatchWriteItem for " + plan.throttleSeconds() + " s");
        }, (long) (0.45 * seconds * 1000), TimeUnit.MILLISECONDS);
        chaos.schedule(() -> dynamo.throttle(0), (long) (0.45 * seconds * 1000) + plan.throttleSeconds() * 1000L,
                TimeUnit.MILLISECONDS);
        double[] maxLag = {0};
        List<long[]> watermarks = new java.util.concurrent.CopyOnWriteArrayList<>();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> {
            workers.forEach(w -> maxLag[0] = Math.max(maxLag[0], w.get().maxLag()));
            watermarks.add(sampleWatermark(aws));
        }, 1, 1, TimeUnit.SECONDS);

        Put put = produce(aws, plan, random);
        LOG.info("put {} records ({} ERROR, {} poison) in {} s", put.shardOf.size() + put.poison.size(),
                put.errors, put.poison.size(), String.format("%.0f", seconds));
        chaos.shutdown();
        chaos.awaitTermination(5, TimeUnit.MINUTES);

        Map<Long, List<Map<String, AttributeValue>>> stored = new HashMap<>();
        List<JsonNode> deadLetters = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(plan.drainMinutes());
        while (System.nanoTime() < deadline) {
            stored = scan(aws);
            deadLetters.addAll(drain(aws, queue));
            if (stored.size() >= put.shardOf.size() && deadLetters.size() >= put.poison.size()) {
                break;
            }
            LOG.info("waiting: {} of {} stored, {} of {} dead-lettered", stored.size(), put.shardOf.size(),
                    deadLetters.size(), put.poison.size());
            Thread.sleep(5000);
        }
        Thread.sleep(5000); // late duplicates or alerts, if any, arrive too
        long lastPut = put.putAt.values().stream().mapToLong(Long::longValue).max().orElse(0);
        for (int i = 0; i < 30 && watermark(aws) < lastPut; i++) {
            Thread.sleep(1000);
        }
        for (int i = 0; i < 30 && watermark(aws, LedgerKeys.COUNTED_UNTIL) < lastPut; i++) {
            Thread.sleep(1000);
        }
        watermarks.add(sampleWatermark(aws));
        stored = scan(aws);
        deadLetters.addAll(drain(aws, queue));
        sampler.shutdownNow();
        for (AtomicReference<ConsumerProcess> worker : workers) {
            worker.get().stopGracefully();
        }
        return report(plan, put, stored, deadLetters, aws, dynamo, maxLag[0], events, watermarks);
    }

    /**
     * The watermark and when its read <em>returned</em>: every record it vouches for was stored before the value was
     * written, so before the read returned. The time before the read would be too early: a batch stored and its
     * watermark raised while a slow read was under way (CI at full CPU) would count as vouched before storage.
     */
    private static long[] sampleWatermark(LocalAws aws) {
        long value = watermark(aws);
        return new long[]{System.currentTimeMillis(), value};
    }

    /** The stream's completeness watermark as query-service computes it: the minimum over open shards, 0 if none. */
    private static long watermark(LocalAws aws) {
        return watermark(aws, LedgerKeys.COMPLETE_UNTIL);
    }

    /** The minimum over open shards of {@code attribute}, 0 if none or if a shard lacks it. */
    private static long watermark(LocalAws aws, String attribute) {
        return Watermarks.minimum(aws.dynamoDb(), TABLE, STREAM, attribute);
    }

    /** When the item was first written through the proxy; its ingestedAt if the proxy never saw it. */
    private static long firstStored(Map<String, AttributeValue> item, DynamoDbLimitProxy dynamo) {
        Long first = dynamo.firstWrittenAt(TABLE, item.get(LogKeys.PK).s(), item.get(LogKeys.SK).s());
        return first != null ? first : Long.parseLong(item.get("ingestedAt").n());
    }

    private static void reshard(LocalAws aws, int shards, List<String> events) {
        try {
            aws.kinesis().updateShardCount(b -> b.streamName(STREAM).targetShardCount(shards)
                    .scalingType(ScalingType.UNIFORM_SCALING));
            events.add("reshard to " + shards + " shards");
        } catch (Exception e) {
            LOG.error("reshard to {} failed", shards, e);
            events.add("reshard to " + shards + " FAILED: " + e.getMessage());
        }
    }

    private static final class Put {
        final Map<Long, String> shardOf = new ConcurrentHashMap<>();
        final Map<Long, Long> putAt = new ConcurrentHashMap<>();
        /** Each poison payload put, in base64 (one kind is not UTF-8). */
        final Set<String> poison = ConcurrentHashMap.newKeySet();
        int errors;
    }

    /** Records put at the plan's rate, in batches of a tenth of a second; 0.5 % are poison, 5 % of the rest ERROR. */
    private static Put produce(LocalAws aws, Plan plan, Random random) throws InterruptedException {
        Put put = new Put();
        long started = System.nanoTime();
        int batch = Math.max(1, plan.rate() / 10);
        for (long n = 0; n < plan.records(); ) {
            List<PutRecordsRequestEntry> entries = new ArrayList<>();
            List<Long> numbers = new ArrayList<>(); // the record number of each entry; -1 for poison
            for (int i = 0; i < batch && n < plan.records(); i++, n++) {
                boolean poisoned = random.nextDouble() < 0.005;
                byte[] payload = poisoned ? PoisonRecords.of("chaos", n, random.nextInt(PoisonRecords.KINDS))
                        : valid(n, random, put).getBytes(StandardCharsets.UTF_8);
                numbers.add(poisoned ? -1L : n);
                if (poisoned) {
                    put.poison.add(Base64.getEncoder().encodeToString(payload));
                }
                entries.add(PutRecordsRequestEntry.builder().partitionKey(Long.toString(random.nextLong()))
                        .data(SdkBytes.fromByteArray(payload)).build());
            }
            Puts.putAll(aws.kinesis(), STREAM, entries, (index, result) -> {
                if (numbers.get(index) >= 0) {
                    put.shardOf.put(numbers.get(index), result.shardId());
                    put.putAt.put(numbers.get(index), System.currentTimeMillis());
                }
            });
            pace(started, n, plan.rate());
        }
        return put;
    }

    /** A valid record numbered {@code n} ({@code attributes.n}), ERROR one time in twenty. */
    private static String valid(long n, Random random, Put put) {
        boolean error = random.nextDouble() < 0.05;
        put.errors += error ? 1 : 0;
        return LogPayload.of(n % 2 == 0 ? HOT : "chaos-" + n % 6).level(error ? "ERROR" : "INFO").message("chaos record " + n)
                .field("n", n).json();
    }

    /** Sleeps until {@code sent} records are due at {@code rate} records/s from {@code started}. */
    private static void pace(long started, long sent, int rate) throws InterruptedException {
        long wait = started + (long) (sent * 1e9 / rate) - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }

    /** Stored items by their record number {@code n}; a number stored twice shows up as a list of two. */
    private static Map<Long, List<Map<String, AttributeValue>>> scan(LocalAws aws) {
        Map<Long, List<Map<String, AttributeValue>>> byNumber = new HashMap<>();
        aws.dynamoDb().scanPaginator(b -> b.tableName(TABLE)).items().forEach(item -> {
            AttributeValue attributes = item.get("attributes");
            if (attributes != null && attributes.hasM() && attributes.m().containsKey("n")) {
                byNumber.computeIfAbsent(Long.parseLong(attributes.m().get("n").n()), k -> new ArrayList<>()).add(item);
            }
        });
        return byNumber;
    }

    private static List<JsonNode> drain(LocalAws aws, String queue) throws Exception {
        List<JsonNode> letters = new ArrayList<>();
        while (true) {
            List<Message> messages = aws.sqs().receiveMessage(b -> b.queueUrl(queue).maxNumberOfMessages(10)
                    .visibilityTimeout(600)).messages();
            if (messages.isEmpty()) {
                return letters;
            }
            for (Message message : messages) {
                letters.add(JSON.readTree(message.body()));
                aws.sqs().deleteMessage(b -> b.queueUrl(queue).receiptHandle(message.receiptHandle()));
            }
        }
    }

    private static boolean report(Plan plan, Put put, Map<Long, List<Map<String, AttributeValue>>> stored,
                                  List<JsonNode> deadLetters, LocalAws aws, DynamoDbLimitProxy dynamo, double maxLag,
                                  List<String> events, List<long[]> watermarks) throws Exception {
        long lost = put.shardOf.keySet().stream().filter(n -> !stored.containsKey(n)).count();
        long duplicatedRecords = stored.values().stream().filter(items -> items.size() > 1).count();
        Set<String> keys = new HashSet<>();
        long items = 0;
        for (List<Map<String, AttributeValue>> list : stored.values()) {
            for (Map<String, AttributeValue> item : list) {
                items++;
                keys.add(item.get("pk").s() + "|" + item.get("sk").s());
            }
        }
        long duplicatedKeys = items - keys.size();
        Map<String, Integer> byReason = new TreeMap<>();
        Set<String> deadPayloads = new HashSet<>();
        for (JsonNode letter : deadLetters) {
            byReason.merge(letter.path("reason").asText(), 1, Integer::sum);
            deadPayloads.add(letter.path("payload").asText()); // base64 of the original bytes, as put
        }
        long poisonMissing = put.poison.stream().filter(p -> !deadPayloads.contains(p)).count();
        long alerts = aws.eventBridge().acceptedEvents().stream().filter(e -> e.detail().contains("chaos record")).count();
        Set<String> alertedIds = new HashSet<>();
        for (var event : aws.eventBridge().acceptedEvents()) {
            alertedIds.add(JSON.readTree(event.detail()).path("id").asText());
        }
        List<String> orderViolations = childAfterParent(aws, put, stored);
        List<Long> delays = new ArrayList<>();
        stored.forEach((n, list) -> delays.add(Long.parseLong(list.get(0).get("ingestedAt").n()) - put.putAt.get(n)));
        delays.sort(Long::compare);
        long p99Delay = delays.isEmpty() ? 0 : delays.get((int) Math.ceil(0.99 * delays.size()) - 1);
        long maxDelay = delays.isEmpty() ? 0 : delays.get(delays.size() - 1);

        StringBuilder out = new StringBuilder("\nchaos run (" + plan.mode() + ", " + RETRIEVAL + ", "
                + plan.records() + " records at " + plan.rate() + "/s)\n");
        events.forEach(e -> out.append("  ").append(e).append('\n'));
        out.append(String.format("%-52s %10d%n", "records put (valid)", put.shardOf.size()))
                .append(String.format("%-52s %10d%n", "records put (poison)", put.poison.size()))
                .append(String.format("%-52s %10d%n", "items stored", items))
                .append(String.format("%-52s %10d%n", "duplicates by item key", duplicatedKeys))
                .append(String.format("%-52s %10d%n", "duplicates by record (same record under two keys)",
                        duplicatedRecords))
                .append(String.format("%-52s %10d%n", "lost", lost))
                .append(String.format("%-52s %10d%n", "dead letters sent (at least once per poison record)",
                        deadLetters.size()))
                .append(String.format("%-52s %10d%n", "distinct poison records dead-lettered",
                        put.poison.stream().filter(deadPayloads::contains).count()));
        byReason.forEach((reason, count) -> out.append(String.format("%-52s %10d%n", "  reason " + reason, count)));
        out.append(String.format("%-52s %10d%n", "poison records not dead-lettered", poisonMissing))
                .append(String.format("%-52s %10d%n", "ERROR records put", put.errors))
                .append(String.format("%-52s %10d%n", "LogError events accepted (at least once)", alerts))
                .append(String.format("%-52s %10d%n", "distinct records alerted", alertedIds.size()))
                .append(String.format("%-52s %10d%n", "BatchWriteItem calls throttled", dynamo.throttledCalls.get()))
                .append(String.format("%-52s %10.1f%n", "max lag exported by a worker (s)", maxLag))
                .append(String.format("%-52s %10.1f%n", "put -> stored, p99 (s)", p99Delay / 1000.0))
                .append(String.format("%-52s %10.1f%n", "put -> stored, max (s)", maxDelay / 1000.0))
                .append(String.format("%-52s %10d%n", "child shards stored before a parent finished",
                        orderViolations.size()));
        orderViolations.forEach(v -> out.append("  ").append(v).append('\n'));
        // The watermark never overstated: a record whose put returned at or before a sampled watermark W reached
        // Kinesis before W, so it must have been stored before W was read. Stored is its item's first write through
        // the DynamoDB proxy: a replay after a kill rewrites the item (and its ingestedAt) of a record that was there
        // all along.
        long overstated = 0;
        Map<Long, Long> firstStored = new HashMap<>();
        stored.forEach((record, copies) -> firstStored.put(record, firstStored(copies.get(0), dynamo)));
        for (long[] sample : watermarks) {
            for (Map.Entry<Long, Long> p : put.putAt.entrySet()) {
                Long storedAt = firstStored.get(p.getKey());
                if (p.getValue() <= sample[1] && (storedAt == null || storedAt > sample[0])) {
                    overstated++;
                    if (overstated <= 10) { // the first few, to read what happened in the workers' logs
                        LOG.warn("vouched before storage: record {} on {} put at {}, first stored at {}, watermark {} "
                                        + "read at {}", p.getKey(), put.shardOf.get(p.getKey()), p.getValue(),
                                storedAt == null ? "never" : storedAt, sample[1], sample[0]);
                    }
                }
            }
        }
        long finalWatermark = watermarks.get(watermarks.size() - 1)[1];
        long lastPut = put.putAt.values().stream().mapToLong(Long::longValue).max().orElse(0);
        boolean caughtUp = finalWatermark >= lastPut;
        out.append(String.format("%-52s %10d%n", "watermark samples", watermarks.size()))
                .append(String.format("%-52s %10d%n", "records the watermark vouched for before storage", overstated))
                .append(String.format("%-52s %10s%n", "watermark past the last put after the drain", caughtUp));
        Buckets.Table hot = Buckets.tables(aws.dynamoDb().queryPaginator(b -> b.tableName(TABLE)
                .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk",
                        AttributeValue.fromS(LedgerKeys.BUCKETS_PK)))).items(), (item, e) -> { })
                .getOrDefault(HOT, Buckets.Table.SINGLE);
        long firstPut = put.putAt.values().stream().mapToLong(Long::longValue).min().orElse(0);
        boolean bucketChange = hot.epochs().stream().anyMatch(e -> e.fromMillis() > firstPut && e.fromMillis() < lastPut);
        out.append(String.format("%-52s %10d%n", "items throttled at the per-key limit", dynamo.throttledItems.get()))
                .append(String.format("%-52s %10s%n", "hot service's epochs (start ms: buckets)", hot.epochs().stream()
                        .map(e -> (e.fromMillis() - firstPut) + ":" + e.count()).toList()))
                .append(String.format("%-52s %10s%n", "a bucket change inside the run", bucketChange));
        // the counts: per service and level, equal to the stored records, once the count watermark passed the last put
        boolean countsCaughtUp = watermark(aws, LedgerKeys.COUNTED_UNTIL) >= lastPut;
        Map<String, Long> counted = new TreeMap<>();
        aws.dynamoDb().scanPaginator(b -> b.tableName(TABLE).consistentRead(true)).items().forEach(item -> {
            String pk = item.get("pk").s();
            if (pk.startsWith(Counts.LEVELS_PREFIX)) {
                Counts.Tally tally = Counts.levelsOf(item);
                for (LogLevel level : LogLevel.values()) {
                    if (tally.records(level) != 0) {
                        counted.merge(pk.substring(Counts.LEVELS_PREFIX.length()) + " " + level, tally.records(level),
                                Long::sum);
                    }
                }
            }
        });
        Map<String, Long> storedByLevel = new TreeMap<>();
        stored.values().forEach(list -> storedByLevel.merge(list.get(0).get("pk").s().replaceFirst("#.*", "") + " "
                + list.get(0).get("level").s(), 1L, Long::sum));
        long countDifference = 0;
        Set<String> keysCounted = new TreeSet<>(counted.keySet());
        keysCounted.addAll(storedByLevel.keySet());
        for (String key : keysCounted) {
            countDifference += Math.abs(counted.getOrDefault(key, 0L) - storedByLevel.getOrDefault(key, 0L));
        }
        out.append(String.format("%-52s %10s%n", "count watermark past the last put after the drain", countsCaughtUp))
                .append(String.format("%-52s %10d%n", "counted records (service and level)",
                        counted.values().stream().mapToLong(Long::longValue).sum()))
                .append(String.format("%-52s %10d%n", "|counts - stored records| over services and levels",
                        countDifference));
        boolean held = lost == 0 && duplicatedKeys == 0 && duplicatedRecords == 0 && poisonMissing == 0
                && orderViolations.isEmpty() && alertedIds.size() >= put.errors && overstated == 0 && caughtUp
                && bucketChange && countsCaughtUp && countDifference == 0;
        out.append(held ? "HELD: 0 lost, 0 duplicated, every poison record dead-lettered, every ERROR alerted, "
                + "children after parents, the watermark never ahead of storage and caught up, the hot service "
                + "write-sharded inside the run, the counts equal to the stored records\n" : "FAILED\n");
        LOG.info(out.toString());
        return held;
    }

    /** Every record of a child shard was stored after every record of its parent shards. */
    private static List<String> childAfterParent(LocalAws aws, Put put,
                                                 Map<Long, List<Map<String, AttributeValue>>> stored) {
        Map<String, long[]> window = new HashMap<>(); // shard -> {first stored, last stored}
        put.shardOf.forEach((n, shard) -> {
            List<Map<String, AttributeValue>> items = stored.get(n);
            if (items != null) {
                long at = Long.parseLong(items.get(0).get("ingestedAt").n());
                window.merge(shard, new long[]{at, at}, (a, b) -> new long[]{Math.min(a[0], b[0]), Math.max(a[1], b[1])});
            }
        });
        List<String> violations = new ArrayList<>();
        for (Shard shard : aws.kinesis().listShards(b -> b.streamName(STREAM)).shards()) {
            long[] child = window.get(shard.shardId());
            for (String parent : new String[]{shard.parentShardId(), shard.adjacentParentShardId()}) {
                long[] parentWindow = parent == null ? null : window.get(parent);
                if (child != null && parentWindow != null && child[0] < parentWindow[1]) {
                    violations.add(shard.shardId() + " first stored " + (parentWindow[1] - child[0])
                            + " ms before its parent " + parent + " was done");
                }
            }
        }
        return violations;
    }
}
