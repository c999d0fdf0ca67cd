package io.logstream.consumer.core;

import io.logstream.localaws.LogPayload;
import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.model.DeadLetter;
import io.logstream.model.LogRecordParser;
import io.logstream.model.RecordCoordinates;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The order and hand-offs of one batch, with plain fakes behind the pipeline's own interfaces. */
class BatchPipelineTest {
    private static final Instant NOW = Instant.parse("2024-08-07T18:00:00Z");

    private final List<String> calls = new ArrayList<>();
    private final List<PendingItem> stored = new ArrayList<>();
    private final List<PendingAlert> published = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private boolean rejectEverythingFromBadService;
    private boolean alertsUndeliverable;

    private final LogStore store = items -> {
        calls.add("store");
        List<LogStore.Rejected> rejected = new ArrayList<>();
        for (PendingItem item : items) {
            if (rejectEverythingFromBadService && item.record().service().equals("bad")) {
                rejected.add(new LogStore.Rejected(item, "nope"));
            } else {
                stored.add(item);
            }
        }
        return rejected;
    };
    private final AlertPublisher alerts = pending -> {
        calls.add("alerts");
        if (alertsUndeliverable) {
            return pending;
        }
        published.addAll(pending);
        return List.of();
    };
    private final List<String> catalogued = new ArrayList<>();
    private final ServiceCatalogue catalogue = records -> {
        calls.add("catalogue");
        records.forEach(record -> catalogued.add(record.service() + "@" + record.host()));
    };
    private final DeadLetterSink sink = letters -> {
        calls.add("dead-letters");
        deadLetters.addAll(letters);
    };

    private BatchPipeline pipeline(int retentionDays) {
        return new BatchPipeline(new LogRecordParser()::parse, store, WriteBuckets.NONE, catalogue, alerts, sink,
                new PipelineMetrics(new SimpleMeterRegistry()), Clock.fixed(NOW, ZoneOffset.UTC), retentionDays, 3);
    }

    private static IncomingRecord record(int n, String json) {
        return new IncomingRecord(json.getBytes(StandardCharsets.UTF_8),
                new RecordCoordinates("s", "shardId-000000000000", Integer.toString(1000 + n), 0, NOW));
    }

    @Test
    void storesThenAlertsThenDeadLetters() {
        pipeline(0).process(List.of(
                record(1, LogPayload.of("a").message("m").level("ERROR").ts(1).json()),
                record(2, LogPayload.of("a").message("m").level("INFO").ts(2).json()),
                record(3, "not json")));
        assertThat(calls).containsExactly("store", "catalogue", "alerts", "dead-letters");
        assertThat(stored).hasSize(2);
        assertThat(catalogued).containsExactly("a@null", "a@null");
        assertThat(stored).allSatisfy(item -> assertThat(item.item().get("ingestedAt").n())
                .isEqualTo(Long.toString(NOW.toEpochMilli())));
        assertThat(published).singleElement().satisfies(alert -> assertThat(alert.event().level()).isEqualTo("ERROR"));
        assertThat(deadLetters).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("invalid-json");
            assertThat(letter.sequenceNumber()).isEqualTo("1003");
        });
    }

    @Test
    void aBatchWithoutPoisonOrAlertsOnlyStores() {
        pipeline(0).process(List.of(record(1, LogPayload.of("a").message("m").json())));
        assertThat(calls).containsExactly("store", "catalogue");
    }

    @Test
    void itemsDynamoDbRefusesAreDeadLetteredAndRaiseNoAlert() {
        rejectEverythingFromBadService = true;
        pipeline(0).process(List.of(record(1, LogPayload.of("bad").message("m").level("FATAL").json())));
        assertThat(published).isEmpty();
        assertThat(catalogued).as("a refused record does not enter the catalogue").isEmpty();
        assertThat(deadLetters).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("item-rejected");
            assertThat(letter.error()).contains("nope");
        });
    }

    @Test
    void undeliveredAlertsAreDeadLetteredAndTheRecordStaysStored() {
        alertsUndeliverable = true;
        pipeline(0).process(List.of(record(1, LogPayload.of("a").message("m").level("FATAL").json())));
        assertThat(stored).hasSize(1);
        assertThat(deadLetters).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("alert-undelivered");
            assertThat(letter.error()).contains("3 attempts");
        });
    }

    @Test
    void retentionSetsTheTtlFromTheRecordsOwnTime() {
        pipeline(7).process(List.of(record(1, LogPayload.of("a").message("m").ts(1723050000000L).json())));
        assertThat(stored.get(0).item().get("expiresAt").n()).isEqualTo(Long.toString(1723050000L + 7 * 86_400));
    }

    @Test
    void eachRecordsTtlComesFromTheRuleInForceForItsServiceAndLevel() {
        java.util.concurrent.atomic.AtomicReference<io.logstream.model.Retention> rules = new java.util.concurrent.atomic
                .AtomicReference<>(io.logstream.model.Retention.of(io.logstream.model.Retention.RuleSet.parse(
                "checkout:DEBUG=3d audit=365d default=30d", 0)));
        BatchPipeline pipeline = new BatchPipeline(new LogRecordParser()::parse, store, WriteBuckets.NONE, catalogue,
                alerts, sink, new PipelineMetrics(new SimpleMeterRegistry()), Clock.fixed(NOW, ZoneOffset.UTC),
                rules::get, 3);
        long ts = 1723050000000L - 30_000; // in the minute that ends at 1723050000 s: its count minute's TTL
        pipeline.process(List.of(record(1, LogPayload.of("checkout").message("m").level("DEBUG").ts(ts).json()),
                record(2, LogPayload.of("checkout").message("m").level("INFO").ts(ts).json()),
                record(3, LogPayload.of("audit").message("m").level("DEBUG").ts(ts).json())));
        rules.set(io.logstream.model.Retention.of(io.logstream.model.Retention.RuleSet.parse("default=0d", 0)));
        pipeline.process(List.of(record(4, LogPayload.of("checkout").message("m").level("DEBUG").ts(ts).json())));
        assertThat(stored).extracting(p -> p.item().containsKey("expiresAt") ? p.item().get("expiresAt").n() : "none")
                .containsExactly(Long.toString(1723050000L + 3 * 86_400), Long.toString(1723050000L + 30 * 86_400),
                        Long.toString(1723050000L + 365 * 86_400), "none");
    }

    @Test
    void oversizedItemsArePoisonBeforeAnyWrite() {
        pipeline(0).process(List.of(record(1, "{\"service\":\"a\",\"message\":\"" + "x".repeat(410_000) + "\"}")));
        assertThat(stored).isEmpty();
        assertThat(deadLetters).singleElement().satisfies(l -> assertThat(l.reason()).isEqualTo("item-too-large"));
    }

    @Test
    void aRecordWhoseHandlingThrowsAnErrorIsDeadLetteredWhileItsNeighboursAreStored() {
        LogRecordParser real = new LogRecordParser();
        RecordParser defective = (payload, coordinates) -> {
            String text = new String(payload, StandardCharsets.UTF_8);
            if (text.contains("defect-error")) {
                throw new OutOfMemoryError("Java heap space");
            }
            if (text.contains("defect-runtime")) {
                throw new IllegalStateException("a bug");
            }
            return real.parse(payload, coordinates);
        };
        new BatchPipeline(defective, store, WriteBuckets.NONE, catalogue, alerts, sink, new PipelineMetrics(new SimpleMeterRegistry()),
                Clock.fixed(NOW, ZoneOffset.UTC), 0, 3).process(List.of(
                record(1, LogPayload.of("a").message("before").json()),
                record(2, LogPayload.of("a").message("defect-error").json()),
                record(3, LogPayload.of("a").message("defect-runtime").json()),
                record(4, LogPayload.of("a").message("after").json())));
        assertThat(stored).extracting(item -> item.record().message()).containsExactly("before", "after");
        assertThat(deadLetters).hasSize(2).allSatisfy(letter -> {
            assertThat(letter.reason()).isEqualTo("unprocessable");
            assertThat(letter.error()).doesNotContain("a bug").doesNotContain("heap");
        });
        assertThat(deadLetters).extracting(DeadLetter::sequenceNumber).containsExactly("1002", "1003");
    }
}
