package io.logstream.bench;

import io.logstream.localaws.ConsumerProperties;
import io.logstream.localaws.KinesisEngine;
import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LocalIdentity;
import io.logstream.localaws.LogPayload;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;

import java.io.BufferedReader;
import java.io.InputStreamReader;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Freshness in both retrieval modes, in one run, on kinesis-mock (the one local engine that serves enhanced fan-out;
 * polling runs on it too, so that the two are compared on the same engine) and DynamoDB Local. For each mode, on a
 * stream and table of its own: consumer-service and query-service (their jars, JVMs of their own), a warm-up at
 * {@code rate}, 20 s idle, then {@code rate} records/s for {@code seconds} s while probes, one at a time, measure
 * <ul>
 *   <li>put → stored (a strongly consistent GetItem of the probe's key every 5 ms, then the REST page every 5 ms), split at the item's
 *   {@code ingestedAt} into the engine's delivery and the consumer's write;</li>
 *   <li>put → queryable (the REST latest page) and put → received by an SSE live tail opened before the load;</li>
 * </ul>
 * and a sampler reads the completeness watermark every 50 ms. From the stored records and the watermark samples comes
 * the tail delay each mode needs: for every record, how far the watermark had passed its {@code ts} when the record was
 * stored. A tail delay below the largest of those would release that record after a later one (the tails skip it).
 * CPU per record and while idle are the consumer's utime + stime; the shares of the cores are each process's.
 * Writes {@code freshness.txt} and {@code freshness.csv} in {@code benchmarks/results}.
 * Usage: {@code scripts/bench-freshness.sh [rate=200] [seconds=60] [kinesalite-rate=2000]}.
 */
public final class FreshnessBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger("bench");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int SHARDS = 4;
    private static final int IDLE_SECONDS = 20;
    /**
     * Warm-up traffic before the measures, at the run's rate: 10 s on kinesis-mock, which slows as its data grows;
     * 30 s on kinesalite, where a cold consumer's JIT would otherwise cost more than the 2,000 records/s.
     */
    private static final int WARM_UP_SECONDS = 10;
    private static final int KINESALITE_WARM_UP_SECONDS = 30;
    private static final String PROBE = "probe";

    private FreshnessBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int kinesaliteRate = args.length > 2 ? Integer.parseInt(args[2]) : 2_000;
        List<String> modes = List.of(System.getProperty("bench.modes", "polling,fanout").split(","));
        Path root = Path.of(System.getProperty("logstream.root", "."));
        Path results = root.resolve("benchmarks/results");
        Files.createDirectories(results);
        Measures measures = new Measures("Freshness for " + seconds + " s: both modes on kinesis-mock at " + rate
                + " records/s, polling on kinesalite at " + kinesaliteRate + " (" + CpuMeter.cores() + " cores)");
        try (LocalIdentity identity = LocalIdentity.start()) {
            for (String mode : modes) {
                // an engine each: kinesis-mock slows as its data grows, and the second mode must not pay for the first
                try (LocalAws aws = LocalAws.start(KinesisEngine.Kind.KINESIS_MOCK)) {
                    new ModeRun(aws, identity, root, results, mode, mode).run(rate, seconds, measures);
                }
            }
            if (kinesaliteRate > 0) {
                // kinesalite serves no SubscribeToShard; it takes 2,000 records/s where kinesis-mock tops out near 500
                try (LocalAws aws = LocalAws.start(KinesisEngine.Kind.KINESALITE)) {
                    new ModeRun(aws, identity, root, results, "polling", "kinesalite-polling")
                            .run(kinesaliteRate, seconds, measures);
                }
            }
        }
        LOG.info(measures.table());
        Files.writeString(results.resolve("freshness.txt"), measures.table());
        Files.writeString(results.resolve("freshness.csv"), measures.csv());
        System.exit(0);
    }

    /** One retrieval mode on a stream and table of its own. */
    private static final class ModeRun {
        private final LocalAws aws;
        private final LocalIdentity identity;
        private final Path root;
        private final Path results;
        private final String mode;
        private final String name;
        private final String stream;
        private final String table;
        private final List<Process> processes = new ArrayList<>();

        ModeRun(LocalAws aws, LocalIdentity identity, Path root, Path results, String mode, String name) {
            this.aws = aws;
            this.name = name;
            this.identity = identity;
            this.root = root;
            this.results = results;
            this.mode = mode;
            this.stream = "fresh-" + name;
            this.table = "fresh-" + name + "-logs";
        }

        void run(int rate, int seconds, Measures measures) throws Exception {
            aws.createStream(stream, SHARDS);
            aws.createLogsTable(table);
            String application = "fresh-" + name + "-app";
            aws.createLeaseTable(application);
            List<String> properties = new ArrayList<>(ConsumerProperties.asPairs(ConsumerProperties.wiring(stream,
                    application, table, aws.createQueue("fresh-" + name + "-dlq"))));
            properties.addAll(List.of("log-stream.kcl.retrieval=" + mode,
                    "log-stream.kcl.lease-assignment-strategy=LEASE_COUNT_BASED", "log-stream.kcl.shard-sync-interval=5s"));
            try (ConsumerProcess consumer = ConsumerProcess.start(root, aws, properties,
                    results.resolve("freshness-consumer-" + name + ".log"))) {
                int queryPort = startQuery();
                String authorization = "Bearer " + identity.token("bench", LocalIdentity.ALL_SERVICES);
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                while (consumer.shards().size() < SHARDS) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(name + ": the consumer never owned the " + SHARDS + " shards");
                    }
                    Thread.sleep(250);
                }
                int warmUpSeconds = aws.kinesisKind() == KinesisEngine.Kind.KINESALITE ? KINESALITE_WARM_UP_SECONDS
                        : WARM_UP_SECONDS;
                LOG.info("{}: consumer owns {} shards; warming up for {} s", name, SHARDS, warmUpSeconds);
                PacedPuts warmUp = traffic(aws, stream, rate, warmUpSeconds);
                probes(queryPort, authorization, warmUp, null);
                awaitStored(consumer, warmUp.await(), deadline + TimeUnit.MINUTES.toNanos(5));

                CpuMeter cpu = cpuMeter(consumer);
                cpu.start();
                Thread.sleep(TimeUnit.SECONDS.toMillis(IDLE_SECONDS));
                double idleCores = cpu.since().get("consumer") / IDLE_SECONDS;

                Tail tail = Tail.open(queryPort, authorization);
                BareSubscriber bare = mode.equals("fanout") ? new BareSubscriber(aws, stream) : null;
                WatermarkSamples watermarks = new WatermarkSamples(aws, table, stream);
                double storedBefore = consumer.stored();
                cpu.start();
                long loadStart = System.nanoTime();
                PacedPuts load = traffic(aws, stream, rate, seconds);
                Probes probed = probes(queryPort, authorization, load, tail);
                long sent = load.await();
                double putSeconds = (System.nanoTime() - loadStart) / 1e9;
                awaitStored(consumer, storedBefore + sent + probed.count(), System.nanoTime()
                        + TimeUnit.MINUTES.toNanos(5));
                Map<String, Double> used = cpu.since();
                double stored = consumer.stored() - storedBefore;
                Thread.sleep(4_000); // the last probes' tail events
                watermarks.stop();
                tail.close();
                List<Double> toTail = probed.toTail(tail);
                List<Double> toBare = bare == null ? List.of() : probed.since(bare.receivedAt);
                if (bare != null) {
                    bare.close();
                }
                double neededDelay = neededTailDelay(watermarks);

                String m = name + ": ";
                String key = name.replace('-', '_');
                measures.add(m + "records put per second (asked " + rate + ")", key + "_put_rate", sent / putSeconds, 0);
                measures.add(m + "probes", key + "_probes", probed.count(), 0);
                addPercentiles(measures, m + "put -> stored", key + "_stored", probed.stored);
                addPercentiles(measures, m + "  of which put -> taken by the consumer", key + "_taken", probed.taken);
                if (bare != null) {
                    addPercentiles(measures, m + "  engine alone: put -> event at a bare SDK subscriber", key
                            + "_engine_push", toBare);
                }
                addPercentiles(measures, m + "  of which taken -> stored", key + "_write", probed.written);
                addPercentiles(measures, m + "put -> queryable", key + "_queryable", probed.queryable);
                addPercentiles(measures, m + "put -> received by a live tail", key + "_tail", toTail);
                measures.add(m + "probes the tail never received", key + "_tail_missing",
                        probed.count() - toTail.size(), 0);
                measures.add(m + "tail delay needed: watermark past ts before stored, max (ms)", key
                        + "_tail_delay_needed_ms", neededDelay, 0);
                measures.add(m + "consumer CPU per record under load (us)", key + "_cpu_us_per_record",
                        used.get("consumer") * 1e6 / stored, 0);
                measures.add(m + "consumer CPU while idle (ms per s)", key + "_idle_cpu_ms_per_s", idleCores * 1000, 1);
                for (String process : List.of("consumer", "query-service", "Kinesis engine", ENGINE_JVM)) {
                    measures.share(m + "share of the cores under load: " + process,
                            key + "_share_" + process.replaceAll("[^a-z]+", "_"),
                            used.get(process) / used.get("wall") / CpuMeter.cores());
                }
            } finally {
                for (Process process : processes) {
                    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
        }

        private static final String ENGINE_JVM = "benchmark JVM (DynamoDB Local, putter, probes)";

        private CpuMeter cpuMeter(ConsumerProcess consumer) {
            return new CpuMeter().add("consumer", consumer.handle()).add("query-service", processes.get(0).toHandle())
                    .addSelfAndChildren(ENGINE_JVM, "Kinesis engine");
        }

        private int startQuery() throws Exception {
            List<String> options = new ArrayList<>(List.of("-Dlog-stream.stream=" + stream));
            options.addAll(ConsumerProcess.extraJavaOptions("bench.queryJavaOpts"));
            QueryService query = QueryService.start(root, aws, identity, table, options,
                    results.resolve("freshness-query-" + name + ".log"));
            processes.add(query.process());
            return query.port();
        }

        /** Probes one at a time while {@code traffic} runs, each followed until stored, queryable and (with a tail) sent. */
        private Probes probes(int queryPort, String authorization, PacedPuts traffic, Tail tail) throws Exception {
            Probes probes = new Probes();
            URI latest = URI.create("http://127.0.0.1:" + queryPort + "/v1/services/" + PROBE + "/logs?limit=1");
            for (int i = 0; traffic.running(); i++) {
                String id = name + "-" + i + "-" + UUID.randomUUID().toString().substring(0, 8);
                long ts = System.currentTimeMillis();
                Map<String, AttributeValue> key = Map.of(LogKeys.PK, AttributeValue.fromS(PROBE),
                        LogKeys.SK, AttributeValue.fromS(LogKeys.sortKey(ts, id)));
                String json = LogPayload.of(PROBE).level("INFO").message("probe").id(id).ts(ts).json();
                long start = System.nanoTime();
                probes.putAt.put(id, start);
                aws.kinesis().putRecord(b -> b.streamName(stream).partitionKey(id).data(SdkBytes.fromUtf8String(json)));
                Map<String, AttributeValue> item;
                while ((item = aws.dynamoDb().getItem(b -> b.tableName(table).key(key).consistentRead(true)).item())
                        .isEmpty()) {
                    check(start, id);
                    Thread.sleep(5);
                }
                long storedAt = System.nanoTime();
                while (!HTTP.send(HttpRequest.newBuilder(latest).header("Authorization", authorization).build(),
                        HttpResponse.BodyHandlers.ofString()).body().contains(id)) {
                    check(start, id);
                    Thread.sleep(5);
                }
                long queryableAt = System.nanoTime();
                double stored = (storedAt - start) / 1e6;
                // ingestedAt is the consumer's clock when it took the record, the same clock as this one's
                double taken = Math.max(0, Long.parseLong(item.get("ingestedAt").n()) - ts);
                probes.stored.add(stored);
                probes.taken.add(Math.min(taken, stored));
                probes.written.add(Math.max(0, stored - taken));
                probes.queryable.add((queryableAt - start) / 1e6);
                Thread.sleep(100);
            }
            return probes;
        }

        private static void check(long start, String id) {
            if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(60)) {
                throw new IllegalStateException("probe " + id + " not stored and queryable after 60 s");
            }
        }

        /**
         * For each record stored during the load: the watermark at the last sample before the record's
         * {@code ingestedAt} less the record's {@code ts}. The consumer stamps {@code ingestedAt} before it writes the
         * batch and raises the shard's watermark after, so that sample is the highest watermark the tails could have
         * seen before the record was there (to the sampler's 50 ms). The tails release up to the watermark less the
         * delay, so a delay above the largest of these releases every record, in order; below it, a record whose
         * {@code ts} the tails had passed is skipped.
         */
        private double neededTailDelay(WatermarkSamples watermarks) {
            List<long[]> samples = watermarks.samples;
            double worst = Double.NEGATIVE_INFINITY;
            for (Map<String, AttributeValue> item : aws.dynamoDb().scanPaginator(ScanRequest.builder().tableName(table)
                    .build()).items()) {
                if (LedgerKeys.isBookkeeping(item.get(LogKeys.PK).s()) || !item.containsKey("ingestedAt")) {
                    continue;
                }
                long ingested = Long.parseLong(item.get("ingestedAt").n());
                long ts = Long.parseLong(item.get("ts").n());
                int at = firstAtOrAfter(samples, ingested) - 1;
                if (ingested >= watermarks.startedAt && at >= 0) {
                    worst = Math.max(worst, samples.get(at)[1] - ts);
                }
            }
            return worst;
        }

        private static int firstAtOrAfter(List<long[]> samples, long wall) {
            int low = 0;
            int high = samples.size();
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (samples.get(mid)[0] < wall) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            return low;
        }
    }

    private static void addPercentiles(Measures measures, String label, String key, List<Double> values) {
        measures.add(label + " p50 (ms)", key + "_p50_ms", PipelineBenchmark.percentile(values, 0.5), 0);
        measures.add(label + " p99 (ms)", key + "_p99_ms", PipelineBenchmark.percentile(values, 0.99), 0);
        measures.add(label + " max (ms)", key + "_max_ms", PipelineBenchmark.percentile(values, 1.0), 0);
    }

    private static void awaitStored(ConsumerProcess consumer, double count, long deadline) throws InterruptedException {
        while (consumer.stored() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("stored " + consumer.stored() + " of " + count);
            }
            Thread.sleep(100);
        }
    }

    private static final class Probes {
        final Map<String, Long> putAt = new ConcurrentHashMap<>();
        final List<Double> stored = new ArrayList<>();
        final List<Double> taken = new ArrayList<>();
        final List<Double> written = new ArrayList<>();
        final List<Double> queryable = new ArrayList<>();

        int count() {
            return stored.size();
        }

        List<Double> toTail(Tail tail) {
            return since(tail.receivedAt);
        }

        List<Double> since(Map<String, Long> receivedAt) {
            List<Double> latencies = new ArrayList<>();
            putAt.forEach((id, put) -> {
                Long received = receivedAt.get(id);
                if (received != null) {
                    latencies.add((received - put) / 1e6);
                }
            });
            return latencies;
        }
    }

    /**
     * The engine alone: a bare SDK client subscribed to every shard through a stream consumer of its own, noting when
     * each probe's event arrives. Put → this is what kinesis-mock's push costs before KCL or the consumer see it.
     */
    private static final class BareSubscriber implements AutoCloseable {
        final Map<String, Long> receivedAt = new ConcurrentHashMap<>();
        private final software.amazon.awssdk.services.kinesis.KinesisAsyncClient client;

        BareSubscriber(LocalAws aws, String stream) throws Exception {
            client = software.amazon.awssdk.services.kinesis.KinesisAsyncClient.builder()
                    .endpointOverride(aws.kinesisEndpoint()).region(aws.region()).credentialsProvider(aws.credentials())
                    .httpClientBuilder(software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient.builder()
                            .protocol(software.amazon.awssdk.http.Protocol.HTTP2)).build();
            String streamArn = client.describeStreamSummary(b -> b.streamName(stream)).get()
                    .streamDescriptionSummary().streamARN();
            String consumerArn = client.registerStreamConsumer(b -> b.streamARN(streamArn).consumerName("bare-probe"))
                    .get().consumer().consumerARN();
            for (int i = 0; i < 100 && client.describeStreamConsumer(b -> b.consumerARN(consumerArn)).get()
                    .consumerDescription().consumerStatus() != software.amazon.awssdk.services.kinesis.model
                    .ConsumerStatus.ACTIVE; i++) {
                Thread.sleep(100);
            }
            for (var shard : client.listShards(b -> b.streamName(stream)).get().shards()) {
                subscribe(consumerArn, shard.shardId());
            }
        }

        private void subscribe(String consumerArn, String shardId) {
            var handler = software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponseHandler.builder()
                    .subscriber(software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponseHandler.Visitor
                            .builder().onSubscribeToShardEvent(event -> {
                                long now = System.nanoTime();
                                event.records().forEach(record -> {
                                    String data = record.data().asUtf8String();
                                    int at = data.indexOf("\"id\":\"");
                                    if (data.contains("\"service\":\"" + PROBE + "\"") && at >= 0) {
                                        receivedAt.putIfAbsent(data.substring(at + 6, data.indexOf('"', at + 6)), now);
                                    }
                                });
                            }).build()).build();
            client.subscribeToShard(b -> b.consumerARN(consumerArn).shardId(shardId).startingPosition(p -> p
                    .type(software.amazon.awssdk.services.kinesis.model.ShardIteratorType.LATEST)), handler);
        }

        @Override
        public void close() {
            client.close();
        }
    }

    /** An SSE tail of the probe service, noting when each record id arrives. */
    private static final class Tail implements AutoCloseable {
        final Map<String, Long> receivedAt = new ConcurrentHashMap<>();
        private volatile java.io.InputStream body;
        private Thread thread;

        static Tail open(int queryPort, String authorization) throws Exception {
            Tail tail = new Tail();
            HttpResponse<java.io.InputStream> response = HTTP.send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + queryPort + "/v1/services/" + PROBE + "/logs/tail"))
                    .header("Authorization", authorization).header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("tail answered " + response.statusCode());
            }
            tail.body = response.body();
            tail.thread = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(tail.body,
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = reader.readLine()) != null; ) {
                        if (line.startsWith("id:")) {
                            tail.receivedAt.putIfAbsent(LogKeys.idOf(line.substring(3).trim()), System.nanoTime());
                        }
                    }
                } catch (Exception closed) {
                    // the benchmark closed it
                }
            }, "tail");
            tail.thread.setDaemon(true);
            tail.thread.start();
            return tail;
        }

        @Override
        public void close() throws Exception {
            body.close();
        }
    }

    /** The stream's watermark (the least completeUntil of its shards), read every 50 ms: (wall ms, watermark ms). */
    private static final class WatermarkSamples {
        final List<long[]> samples = new CopyOnWriteArrayList<>();
        final long startedAt = System.currentTimeMillis();
        private volatile boolean stopped;

        WatermarkSamples(LocalAws aws, String table, String stream) {
            Thread thread = new Thread(() -> {
                while (!stopped) {
                    long min = Watermarks.minimum(aws.dynamoDb(), table, stream, LedgerKeys.COMPLETE_UNTIL);
                    samples.add(new long[]{System.currentTimeMillis(), min});
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "watermarks");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() {
            stopped = true;
        }
    }

    /** {@code rate} records/s of ~150-byte INFO/ERROR records stamped with their put time, in 20 puts a second. */
    private static PacedPuts traffic(LocalAws aws, String stream, int rate, int seconds) {
        return PacedPuts.start(aws.kinesis(), stream, rate, seconds, (n, putAt) -> LogPayload.of("load-" + n % 6)
                .level(n % 20 == 0 ? "ERROR" : "INFO").ts(putAt).host("host-" + n % 3)
                .message("request " + n + " served in " + n % 997 + " ms " + "x".repeat(60)).json()
                .getBytes(StandardCharsets.UTF_8));
    }
}
