package io.logstream.consumer.core;

import io.logstream.model.Retention;
import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.model.DeadLetter;
import io.logstream.model.LogErrorEvent;
import io.logstream.model.LogItemMapper;
import io.logstream.model.LogRecord;
import io.logstream.model.ParseOutcome;
import io.logstream.model.PoisonReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.function.Supplier;
import java.util.Map;
import java.util.Set;

/**
 * What happens to one batch, in order: parse, give each record its bucket ({@link WriteBuckets}), store every item, note the stored records' services and hosts in the
 * catalogue, publish the alerts of the stored ERROR/FATAL records, dead-letter the poison. Returns only when all of it is done; the caller then checkpoints.
 */
public class BatchPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(BatchPipeline.class);

    private final RecordParser parser;
    private final LogStore store;
    private final WriteBuckets buckets;
    private final ServiceCatalogue catalogue;
    private final AlertPublisher alerts;
    private final DeadLetterSink deadLetters;
    private final PipelineMetrics metrics;
    private final Clock clock;
    private final Supplier<Retention> retention;
    private final int alertMaxAttempts;

    /** With one retention for every record: {@code retentionDays} (0 keeps for ever). */
    public BatchPipeline(RecordParser parser, LogStore store, WriteBuckets buckets, ServiceCatalogue catalogue,
                         AlertPublisher alerts, DeadLetterSink deadLetters, PipelineMetrics metrics, Clock clock,
                         int retentionDays, int alertMaxAttempts) {
        this(parser, store, buckets, catalogue, alerts, deadLetters, metrics, clock, () -> Retention.of(
                new Retention.RuleSet(List.of(), retentionDays)), alertMaxAttempts);
    }

    /** With the retention rules in force, as {@code retention} has them at each record. */
    public BatchPipeline(RecordParser parser, LogStore store, WriteBuckets buckets, ServiceCatalogue catalogue,
                         AlertPublisher alerts, DeadLetterSink deadLetters, PipelineMetrics metrics, Clock clock,
                         Supplier<Retention> retention, int alertMaxAttempts) {
        this.parser = parser;
        this.store = store;
        this.buckets = buckets;
        this.catalogue = catalogue;
        this.alerts = alerts;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.clock = clock;
        this.retention = retention;
        this.alertMaxAttempts = alertMaxAttempts;
    }

    /** Does the batch's work; returns the items stored, which are what the counts count. */
    public List<PendingItem> process(List<IncomingRecord> batch) {
        metrics.received(batch.size());
        Instant now = clock.instant();
        List<PendingItem> items = new ArrayList<>();
        List<DeadLetter> poison = new ArrayList<>();
        long lastArrival = 0;
        for (IncomingRecord incoming : batch) {
            lastArrival = Math.max(lastArrival, incoming.coordinates().arrivalTime().toEpochMilli());
        }
        buckets.cover(lastArrival);
        for (IncomingRecord incoming : batch) {
            try {
                prepare(incoming, now, items, poison);
            } catch (RuntimeException | Error e) {
                // a defect for this one record must not stall the shard (retrying it would fail forever) nor kill
                // the scheduler: the record is kept in the dead-letter queue, its neighbours go on
                LOG.error("record {} could not be handled; dead-lettering it", incoming.coordinates(), e);
                poison.add(deadLetter(PoisonReason.UNPROCESSABLE, "the record could not be handled ("
                        + e.getClass().getSimpleName() + "); it is kept here for inspection and replay", incoming, now));
            }
        }

        List<LogStore.Rejected> rejected = store.write(items);
        Set<PendingItem> refused = Collections.newSetFromMap(new IdentityHashMap<>());
        for (LogStore.Rejected r : rejected) {
            refused.add(r.item());
            poison.add(deadLetter(PoisonReason.ITEM_REJECTED, "DynamoDB refused the item: " + r.error(),
                    r.item().source(), now));
        }
        metrics.stored(items.size() - refused.size());
        List<PendingItem> stored = refused.isEmpty() ? items
                : items.stream().filter(item -> !refused.contains(item)).toList();
        catalogue.seen(stored.stream().map(PendingItem::record).toList());

        List<PendingAlert> pendingAlerts = stored.stream()
                .filter(item -> item.record().level().raisesAlert())
                .map(item -> new PendingAlert(item.source(), LogErrorEvent.of(item.record(), item.source().coordinates())))
                .toList();
        if (!pendingAlerts.isEmpty()) {
            for (PendingAlert undelivered : alerts.publish(pendingAlerts)) {
                poison.add(deadLetter(PoisonReason.ALERT_UNDELIVERED, "the record is stored, but its LogError event "
                        + "was not accepted by EventBridge after " + alertMaxAttempts + " attempts",
                        undelivered.source(), now));
            }
        }

        if (!poison.isEmpty()) {
            deadLetters.send(poison);
        }
        return stored;
    }

    /** Parses one record and maps it to its item, or adds it to the poison with the reason. */
    private void prepare(IncomingRecord incoming, Instant now, List<PendingItem> items, List<DeadLetter> poison) {
        ParseOutcome outcome = parser.parse(incoming.data(), incoming.coordinates());
        if (outcome instanceof ParseOutcome.Poison p) {
            poison.add(deadLetter(p.reason(), p.error(), incoming, now));
            return;
        }
        LogRecord record = ((ParseOutcome.Parsed) outcome).record().withIngestedAt(now.toEpochMilli());
        int bucket = buckets.bucketOf(record, incoming.coordinates().arrivalTime().toEpochMilli());
        Map<String, AttributeValue> item = LogItemMapper.toItem(record, expiresAt(record), bucket);
        int size = LogItemMapper.itemSizeBytes(item);
        if (size > LogItemMapper.MAX_ITEM_BYTES) {
            poison.add(deadLetter(PoisonReason.ITEM_TOO_LARGE, "item would be " + size
                    + " bytes, over DynamoDB's 400 KB item limit (" + LogItemMapper.MAX_ITEM_BYTES + " bytes)", incoming, now));
            return;
        }
        buckets.written(record.service(), record.ts(), (size + 1023) / 1024); // a write unit per started KB
        items.add(new PendingItem(incoming, record, item));
    }

    /** DynamoDB TTL in epoch seconds under the rules in force: the record's minute's end plus its days, or null. */
    private Long expiresAt(LogRecord record) {
        return retention.get().expiresAt(record.service(), record.level(), record.ts());
    }

    private static DeadLetter deadLetter(PoisonReason reason, String error, IncomingRecord incoming, Instant now) {
        return DeadLetter.of(reason, error, incoming.coordinates(), incoming.data(), now);
    }
}
