package io.logstream.consumer.ingest;

import io.logstream.localaws.LogPayload;
import io.logstream.consumer.core.AlertPublisher;
import io.logstream.consumer.core.BatchPipeline;
import io.logstream.consumer.core.CompletenessLedger;
import io.logstream.consumer.core.CountStore;
import io.logstream.model.Counts;
import io.logstream.consumer.core.DeadLetterSink;
import io.logstream.consumer.core.LogStore;
import io.logstream.consumer.core.WriteBuckets;
import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.consumer.retry.Backoff;
import io.logstream.consumer.retry.DependencyHealth;
import io.logstream.consumer.retry.Retrier;
import io.logstream.model.LogRecordParser;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import software.amazon.awssdk.services.kinesis.model.ChildShard;
import software.amazon.kinesis.exceptions.ShutdownException;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ProcessRecordsInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.processor.RecordProcessorCheckpointer;
import software.amazon.kinesis.retrieval.KinesisClientRecord;
import software.amazon.kinesis.retrieval.kpl.ExtendedSequenceNumber;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One shard's processor with fakes behind the pipeline's ports and a recording checkpointer: the checkpoint comes
 * only after every side effect of the batch, failures are retried in place, and the lifecycle callbacks
 * (shutdown requested, lease lost, shard ended) checkpoint exactly what is done.
 */
class LogRecordProcessorTest {
    private static final String SHARD = "shardId-000000000007";

    /** Everything that happens, in order: store writes, alerts, dead letters, checkpoints. */
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final AtomicInteger storeFailuresLeft = new AtomicInteger();
    private final ShardRegistry shards = new ShardRegistry();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final PipelineMetrics metrics = new PipelineMetrics(meters);
    private final List<String> mdcDuringWrites = new CopyOnWriteArrayList<>();

    private final LogStore store = items -> {
        mdcDuringWrites.add(MDC.get("workerId") + "/" + MDC.get("shardId"));
        if (storeFailuresLeft.getAndDecrement() > 0) {
            events.add("store failed");
            throw new IllegalStateException("DynamoDB is down");
        }
        items.forEach(item -> events.add("stored " + item.record().message()));
        return List.of();
    };
    private final AlertPublisher alerts = pending -> {
        pending.forEach(alert -> events.add("alerted " + alert.event().message()));
        return List.of();
    };
    private final DeadLetterSink deadLetters = letters -> letters.forEach(letter -> events.add("dead-lettered "
            + letter.reason()));
    private final Retrier retrier = new Retrier(new Backoff(Duration.ofMillis(1), Duration.ofMillis(1), () -> 0.5),
            duration -> { }, new DependencyHealth(Clock.systemUTC()), dependency -> { });
    private final List<String> opened = new CopyOnWriteArrayList<>();
    private final CompletenessLedger ledger = new CompletenessLedger() {
        @Override
        public void opened(String shardId) {
            opened.add(shardId);
        }

        @Override
        public void advanced(String shardId, Instant completeUntil) {
            events.add("watermark " + completeUntil);
        }

        @Override
        public void counted(String shardId, Instant countedUntil) {
            events.add("counted until " + countedUntil);
        }

        @Override
        public void ended(String shardId, List<String> childShardIds) {
            events.add("ended, children " + childShardIds);
        }
    };
    /** A count store that notes each flush. */
    private final CountStore countStore = new CountStore() {
        @Override
        public Ownership takeOver(String shardId) {
            return new Ownership(1, null);
        }

        @Override
        public byte[] claim(String shardId, long epoch, Key key) {
            return null;
        }

        @Override
        public void flush(String shardId, long epoch, byte[] position, Map<Key, Map<String, Counts.Tally>> tallies) {
            tallies.forEach((key, columns) -> events.add("counts flushed for " + key.service() + " minute "
                    + columns.keySet() + " of the block to " + key.end() + ": " + columns.values()));
        }
    };
    private final ShardServices services = new ShardServices("stream", new WorkerId("worker-1"),
            new BatchPipeline(new LogRecordParser()::parse, store, WriteBuckets.NONE, stored -> { }, alerts, deadLetters,
                    metrics, Clock.systemUTC(), 0, 3),
            retrier, metrics, shards, ledger);
    private final LogRecordProcessor processor = new LogRecordProcessor(services,
            ShardWatermark.Policy.polling(Duration.ofSeconds(1)), CountSettlement.Policy.OFF);

    /** A checkpointer that records where it was asked to checkpoint; it can refuse as after a lost lease. */
    private RecordProcessorCheckpointer checkpointer(boolean leaseLost) {
        return (RecordProcessorCheckpointer) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{RecordProcessorCheckpointer.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("checkpoint")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    if (leaseLost) {
                        throw new ShutdownException("lease lost");
                    }
                    events.add(args == null ? "checkpoint at shard end" : "checkpoint at " + args[0] + "/" + args[1]);
                    return null;
                });
    }

    private static KinesisClientRecord record(String sequence, String json) {
        return KinesisClientRecord.builder().sequenceNumber(sequence).subSequenceNumber(0).partitionKey("k")
                .approximateArrivalTimestamp(Instant.parse("2026-11-22T10:00:00Z"))
                .data(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8))).build();
    }

    private void initialize() {
        processor.initialize(InitializationInput.builder().shardId(SHARD)
                .extendedSequenceNumber(ExtendedSequenceNumber.TRIM_HORIZON).build());
    }

    /** A batch 1.5 s behind the tip of the shard. */
    private void process(RecordProcessorCheckpointer checkpointer, KinesisClientRecord... records) {
        processor.processRecords(ProcessRecordsInput.builder().records(List.of(records)).checkpointer(checkpointer)
                .millisBehindLatest(1500L).build());
    }

    /** A batch that reached the tip of the shard, fetched at {@code fetched}. */
    private void processAtTip(Instant fetched, KinesisClientRecord... records) {
        processor.processRecords(ProcessRecordsInput.builder().records(List.of(records)).checkpointer(checkpointer(false))
                .millisBehindLatest(0L).cacheEntryTime(fetched).build());
    }

    @Test
    void theCheckpointComesAfterEverySideEffectOfTheBatchAtItsLastRecord() {
        initialize();
        process(checkpointer(false),
                record("101", LogPayload.of("s").level("INFO").message("first").json()),
                record("102", "not json"),
                record("103", LogPayload.of("s").level("ERROR").message("second").json()));
        assertThat(events).containsExactly("stored first", "stored second", "alerted second",
                "dead-lettered invalid-json", "watermark 2026-11-22T09:59:59Z", "checkpoint at 103/0");
        assertThat(opened).containsExactly(SHARD);
        assertThat(shards.owned()).containsExactly(SHARD);
        assertThat(meters.get("logstream.shard.lag").tag("shard", SHARD).timeGauge().value()).isEqualTo(1.5);
    }

    @Test
    void aFailingStoreIsRetriedInPlaceAndTheCheckpointWaitsForIt() {
        initialize();
        storeFailuresLeft.set(3);
        process(checkpointer(false), record("201", LogPayload.of("s").level("INFO").message("m").json()));
        assertThat(events).containsExactly("store failed", "store failed", "store failed", "stored m",
                "watermark 2026-11-22T09:59:59Z", "checkpoint at 201/0");
    }

    @Test
    void anEmptyBatchBehindTheTipChecksNothingInAndVouchesForNothing() {
        initialize();
        process(checkpointer(false));
        assertThat(events).isEmpty();
    }

    @Test
    void anEmptyBatchAtTheTipMovesTheWatermarkToTheFetchLessTheMarginAndABatchToItsLastArrivalLessTheMargin() {
        initialize();
        Instant fetched = Instant.parse("2026-11-22T10:00:05Z");
        processAtTip(fetched, record("701", LogPayload.of("s").message("a").json()));
        assertThat(events).as("records: the last arrival less the margin, even at the tip")
                .containsExactly("stored a", "watermark 2026-11-22T09:59:59Z", "checkpoint at 701/0");
        events.clear();
        processAtTip(fetched.plusSeconds(10));
        assertThat(events).as("an idle open shard: no checkpoint, the watermark moves").containsExactly(
                "watermark 2026-11-22T10:00:14Z");
    }

    @Test
    void pollingVouchesForWhenTheEmptyAnswersCallWasMadeNotWhenItWasReceived() {
        GetRecordsCalls calls = new GetRecordsCalls(Clock.systemUTC());
        LogRecordProcessor polling = new LogRecordProcessor(services,
                new ShardWatermark.Policy(Duration.ofSeconds(1), TipCheck.NONE, Duration.ZERO, calls),
                CountSettlement.Policy.OFF);
        polling.initialize(InitializationInput.builder().shardId(SHARD)
                .extendedSequenceNumber(ExtendedSequenceNumber.TRIM_HORIZON).build());
        Instant first = Instant.parse("2026-11-22T10:00:05Z");
        calls.ended(first.toEpochMilli() - 20, first.toEpochMilli() - 1);
        polling.processRecords(ProcessRecordsInput.builder().records(List.of()).checkpointer(checkpointer(false))
                .millisBehindLatest(0L).cacheEntryTime(first).build());
        assertThat(events).as("the first batch: when its call started is unknown").isEmpty();

        // the next call started 250 ms after the first answer was received, and Kinesis took 3 s to answer
        Instant second = first.plusMillis(3250);
        calls.ended(first.toEpochMilli() + 250, second.toEpochMilli() - 1);
        polling.processRecords(ProcessRecordsInput.builder().records(List.of()).checkpointer(checkpointer(false))
                .millisBehindLatest(0L).cacheEntryTime(second).build());
        assertThat(events).as("the call's start less the margin, not the receipt's 10:00:07.250").containsExactly(
                "watermark 2026-11-22T10:00:04.250Z");
    }

    /** A processor reading with fan-out whose tip checks answer from {@code answers} and are noted in events. */
    private LogRecordProcessor fanOut(Duration checkInterval, java.util.Deque<Optional<Instant>> answers) {
        TipCheck check = (shard, after, startedAt) -> {
            events.add("tip check after " + after);
            return answers.isEmpty() ? Optional.empty() : answers.pop();
        };
        LogRecordProcessor fanOut = new LogRecordProcessor(services,
                new ShardWatermark.Policy(Duration.ofSeconds(1), check, checkInterval, FetchStarts.RECEIVED),
                CountSettlement.Policy.OFF);
        fanOut.initialize(InitializationInput.builder().shardId(SHARD)
                .extendedSequenceNumber(ExtendedSequenceNumber.TRIM_HORIZON).build());
        return fanOut;
    }

    private void pushAtTip(LogRecordProcessor processor, KinesisClientRecord... records) {
        processor.processRecords(ProcessRecordsInput.builder().records(List.of(records)).checkpointer(checkpointer(false))
                .millisBehindLatest(0L).cacheEntryTime(Instant.now()).build());
    }

    @Test
    void aPushedEmptyEventVouchesForNothingItselfButKinesisIsAskedOncePerIntervalWhetherTheShardIsEmpty() {
        Instant answered = Instant.parse("2026-11-22T10:00:30Z");
        LogRecordProcessor fanOut = fanOut(Duration.ofHours(1),
                new java.util.ArrayDeque<>(List.of(Optional.of(answered))));
        pushAtTip(fanOut);
        assertThat(events).as("the event's receive stamp is not trusted; Kinesis's answer is").containsExactly(
                "tip check after TRIM_HORIZON", "watermark 2026-11-22T10:00:29Z");
        events.clear();
        pushAtTip(fanOut);
        assertThat(events).as("at most one check per interval").isEmpty();
    }

    @Test
    void aPushedEmptyEventAfterRecordsAsksFromTheLastRecordAndAShardWithMoreVouchesForNothing() {
        LogRecordProcessor fanOut = fanOut(Duration.ZERO, new java.util.ArrayDeque<>());
        pushAtTip(fanOut, record("901", LogPayload.of("s").message("a").json()));
        events.clear();
        pushAtTip(fanOut);
        assertThat(events).as("Kinesis has more after 901 (or did not answer): nothing moves").containsExactly(
                "tip check after 901");
    }

    @Test
    void anEndedShardsEmptyAnswersSayNothingAboutTheStream() {
        initialize();
        processor.processRecords(ProcessRecordsInput.builder().records(List.of()).checkpointer(checkpointer(false))
                .millisBehindLatest(0L).cacheEntryTime(Instant.parse("2026-11-22T10:00:05Z")).isAtShardEnd(true)
                .childShards(List.of(ChildShard.builder().shardId("shardId-000000000008").build())).build());
        assertThat(events).as("new records go to the children now").isEmpty();
    }

    @Test
    void anUnfinishedBatchDoesNotMoveTheWatermark() {
        initialize();
        storeFailuresLeft.set(Integer.MAX_VALUE);
        retrier.abort();
        process(checkpointer(false), record("801", LogPayload.of("s").message("a").json()));
        assertThat(events).noneMatch(event -> event.startsWith("watermark") || event.startsWith("checkpoint"));
    }

    @Test
    void shutdownRequestedCheckpointsTheLastFinishedBatchAndReleasesTheShard() {
        initialize();
        processor.shutdownRequested(ShutdownRequestedInput.builder().checkpointer(checkpointer(false)).build());
        assertThat(events).as("nothing finished yet, nothing to checkpoint").isEmpty();

        process(checkpointer(false), record("301", LogPayload.of("s").message("a").json()),
                record("302", LogPayload.of("s").message("b").json()));
        events.clear();
        processor.shutdownRequested(ShutdownRequestedInput.builder().checkpointer(checkpointer(false)).build());
        assertThat(events).containsExactly("checkpoint at 302/0");
        assertThat(shards.owned()).isEmpty();
        assertThat(meters.find("logstream.shard.lag").meters()).isEmpty();
    }

    @Test
    void withCountsTheCheckpointWaitsForTheFlushAndFollowsIt() {
        LogRecordProcessor counting = new LogRecordProcessor(services, ShardWatermark.Policy.polling(Duration.ofSeconds(1)),
                new CountSettlement.Policy(countStore, true, Duration.ofHours(1)));
        counting.initialize(InitializationInput.builder().shardId(SHARD)
                .extendedSequenceNumber(ExtendedSequenceNumber.TRIM_HORIZON).build());
        counting.processRecords(ProcessRecordsInput.builder().checkpointer(checkpointer(false)).millisBehindLatest(0L)
                .records(List.of(record("601", LogPayload.of("s").level("ERROR").message("a").ts(1_000).json()),
                        record("602", LogPayload.of("s").message("bb").ts(2_000).json()))).build());
        assertThat(events).as("stored and watermarked, but neither counted nor checkpointed before the interval")
                .containsExactly("stored a", "stored bb", "alerted a", "watermark 2026-11-22T09:59:59Z");
        events.clear();
        counting.shutdownRequested(ShutdownRequestedInput.builder().checkpointer(checkpointer(false)).build());
        assertThat(events).containsExactly("counts flushed for s minute [0] of the block to 300000: [{ERROR=1/1B, INFO=1/2B}]", "checkpoint at 602/0",
                "counted until 2026-11-22T09:59:59Z");
    }

    @Test
    void aLostLeaseReleasesTheShardWithoutCheckpointing() {
        initialize();
        process(checkpointer(false), record("401", LogPayload.of("s").message("a").json()));
        events.clear();
        processor.leaseLost(LeaseLostInput.builder().build());
        assertThat(events).isEmpty();
        assertThat(shards.owned()).isEmpty();
        assertThat(meters.find("logstream.shard.lag").meters()).isEmpty();
    }

    @Test
    void aCheckpointRefusedBecauseTheLeaseIsGoneLeavesTheBatchToTheNextOwner() {
        initialize();
        process(checkpointer(true), record("501", LogPayload.of("s").message("a").json()));
        assertThat(events).as("the records are processed, so the watermark still holds; the next owner redoes them")
                .containsExactly("stored a", "watermark 2026-11-22T09:59:59Z");
        assertThat(meters.get("logstream.checkpoints").counter().count()).isZero();
    }

    @Test
    void shardEndedCheckpointsTheEndOfTheShardThenHandsItsWatermarkToItsChildren() {
        initialize();
        processor.processRecords(ProcessRecordsInput.builder().records(List.of(
                        record("901", LogPayload.of("s").message("last").json()))).checkpointer(checkpointer(false))
                .millisBehindLatest(0L).cacheEntryTime(Instant.parse("2026-11-22T10:00:05Z")).isAtShardEnd(true)
                .childShards(List.of(ChildShard.builder().shardId("shardId-000000000008").build(),
                        ChildShard.builder().shardId("shardId-000000000009").build())).build());
        processor.shardEnded(ShardEndedInput.builder().checkpointer(checkpointer(false)).build());
        assertThat(events).as("the ledger first: a worker that dies before the checkpoint leaves the end to redo")
                .containsExactly("stored last", "watermark 2026-11-22T09:59:59Z", "checkpoint at 901/0",
                        "ended, children [shardId-000000000008, shardId-000000000009]", "checkpoint at shard end");
        assertThat(shards.owned()).isEmpty();
    }

    @Test
    void aShardEndedBeforeTheProcessorWasInitializedIsOnlyCheckpointed() {
        processor.shardEnded(ShardEndedInput.builder().checkpointer(checkpointer(false)).build());
        assertThat(events).containsExactly("checkpoint at shard end");
        processor.leaseLost(LeaseLostInput.builder().build());
        assertThat(shards.owned()).isEmpty();
    }

    @Test
    void theWorkerAndTheShardAreInTheMdcWhileABatchRunsAndGoneAfter() {
        initialize();
        process(checkpointer(false), record("601", LogPayload.of("s").message("a").json()));
        assertThat(mdcDuringWrites).containsExactly("worker-1/" + SHARD);
        assertThat(MDC.get("workerId")).isNull();
        assertThat(MDC.get("shardId")).isNull();
    }
}
