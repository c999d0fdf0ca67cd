package io.logstream.query.retention;

import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.config.DeleteSettings;
import io.logstream.query.config.Replica;
import io.logstream.query.logql.LogQl;
import io.logstream.query.logql.LogQlParser;
import io.logstream.query.loki.LokiEncoder;
import io.logstream.query.loki.SelectorReader;
import io.logstream.query.store.AuditTable;
import io.logstream.query.store.Completeness;
import io.logstream.query.store.DeleteRequestTable;
import io.logstream.query.store.RecordDeletes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;

/**
 * Processes delete requests in the background, one at a time per replica (docs/retention.md).
 * <ul>
 *   <li>A request starts once its cancel period is over and the stream's counted-and-complete watermark has passed
 *   its creation: every record that arrived before it is then stored, counted and checkpointed, so no replay can
 *   bring one back after it is deleted. It deletes the records that match and arrived before it was made
 *   ({@code ingestedAt}); later arrivals are not its business.</li>
 *   <li>It walks the selector's services in name order, each bucket in sort-key order, a page at a time, and deletes
 *   what matches the selector, line filters and pipeline in transactions with the counts ({@link RecordDeletes}),
 *   paced to {@link DeleteSettings#writeUnitsPerSecond()}.</li>
 *   <li>After each page it saves its cursor and extends its lease. A replica that takes a request over (its holder
 *   crashed) goes on from the cursor: the records deleted after it are gone and are not found again.</li>
 * </ul>
 */
@Context
public class DeleteProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(DeleteProcessor.class);

    private final DeleteRequestTable requests;
    private final RecordDeletes deletes;
    private final SelectorReader selectors;
    private final LokiEncoder encoder;
    private final Completeness completeness;
    private final AuditTable audit;
    private final DeleteSettings settings;
    private final Clock clock;
    private final String owner;
    private final ScheduledExecutorService scheduler;
    private final Counter deleted;
    private final Counter units;
    private final JobBudget budget;

    public DeleteProcessor(DeleteRequestTable requests, RecordDeletes deletes, SelectorReader selectors,
                           LokiEncoder encoder, Completeness completeness, AuditTable audit, DeleteSettings settings,
                           Clock clock, MeterRegistry registry) {
        this.requests = requests;
        this.deletes = deletes;
        this.selectors = selectors;
        this.encoder = encoder;
        this.completeness = completeness;
        this.audit = audit;
        this.settings = settings;
        this.clock = clock;
        this.budget = new JobBudget(settings);
        this.owner = Replica.name(settings.owner());
        this.deleted = Counter.builder("logstream.deletes.records")
                .description("Records deleted by delete requests on this replica").register(registry);
        this.units = Counter.builder("logstream.deletes.write.units")
                .description("Write units the deletes of this replica consumed").register(registry);
        this.scheduler = Replica.every(settings.process(), "delete-processor", Duration.ofSeconds(1), this::tick);
    }

    private void tick() {
        try {
            processDue();
        } catch (RuntimeException e) {
            LOG.warn("delete processing failed, retried at the next tick: {}", e.toString());
        }
    }

    /**
     * Takes and processes the oldest request that is due: received and past its cancel period and the watermark, or
     * processing under a lease that ran out.
     *
     * @return the id of the request processed, if any
     */
    public Optional<String> processDue() {
        long now = clock.millis();
        long vouched = completeness.countedAndCompleteUntil().toEpochMilli();
        for (DeleteRequestTable.Request request : requests.all()) {
            boolean due = DeleteRequestTable.RECEIVED.equals(request.status())
                    && request.createdAt() + settings.cancelPeriod().toMillis() <= now && vouched >= request.createdAt();
            boolean abandoned = DeleteRequestTable.PROCESSING.equals(request.status())
                    && (request.leaseUntil() < now || owner.equals(request.holder()));
            if (due || abandoned) {
                Optional<DeleteRequestTable.Request> held = requests.acquire(request.id(), owner, now,
                        now + settings.lease().toMillis());
                if (held.isPresent()) {
                    run(held.get());
                    return Optional.of(request.id());
                }
            }
        }
        return Optional.empty();
    }

    /** Where a holder has got to: the service, the bucket and the last sort key done in it. */
    private record Cursor(String service, int bucket, String after) {
        static Cursor parse(String text) {
            if (text == null || text.isEmpty()) {
                return null;
            }
            String[] parts = text.split("\\|", 3);
            return new Cursor(parts[0], Integer.parseInt(parts[1]), parts[2].isEmpty() ? null : parts[2]);
        }

        String text() {
            return service + "|" + bucket + "|" + (after == null ? "" : after);
        }
    }

    private void run(DeleteRequestTable.Request request) {
        LOG.info("processing delete request {} ({}, epoch {})", request.id(), request.query(), request.epoch());
        LogQl.Query query = LogQlParser.parseLog(request.query());
        Set<LogLevel> levels = SelectorReader.levels(query.matchers());
        Predicate<LogRecord> filter = encoder.filter(query);
        Predicate<LogRecord> match = record -> levels.contains(record.level())
                && (record.ingestedAt() == null || record.ingestedAt() <= request.createdAt()) && filter.test(record);
        Cursor cursor = Cursor.parse(request.cursor());
        long examined = request.examined();
        try {
            for (String service : selectors.matching(query.matchers())) {
                if (cursor != null && service.compareTo(cursor.service()) < 0) {
                    continue;
                }
                int buckets = deletes.buckets(service, request.start(), request.end());
                boolean resumed = cursor != null && service.equals(cursor.service());
                for (int bucket = resumed ? cursor.bucket() : 0; bucket < buckets; bucket++) {
                    String after = resumed && bucket == cursor.bucket() ? cursor.after() : null;
                    RecordDeletes.Page page;
                    do {
                        page = deletes.page(service, bucket, request.start(), request.end(), after,
                                settings.pageSize());
                        budget.read(page.readUnits());
                        List<RecordDeletes.Found> matched = new ArrayList<>();
                        for (RecordDeletes.Found found : page.found()) {
                            if (match.test(found.record())) {
                                matched.add(found);
                            }
                        }
                        for (int i = 0; i < matched.size(); i += RecordDeletes.PER_TRANSACTION) {
                            RecordDeletes.Outcome outcome = deletes.delete(matched.subList(i,
                                    Math.min(i + RecordDeletes.PER_TRANSACTION, matched.size())), request.id(),
                                    request.epoch());
                            deleted.increment(outcome.deleted());
                            units.increment(outcome.units());
                            budget.wrote(outcome.units());
                        }
                        examined += page.found().size();
                        after = page.last() == null ? after : page.last();
                        if (!requests.progress(request.id(), request.epoch(), new Cursor(service, bucket, after).text(),
                                examined, clock.millis() + settings.lease().toMillis())) {
                            LOG.warn("delete request {} was taken over; stopping", request.id());
                            return;
                        }
                    } while (page.more());
                }
            }
        } catch (RecordDeletes.Fenced | JobBudget.Interrupted e) {
            LOG.warn("{}; stopping", e.getMessage());
            return;
        }
        if (requests.finish(request.id(), request.epoch(), examined, clock.millis())) {
            DeleteRequestTable.Request done = requests.get(request.id()).orElse(request);
            audit.record(clock.instant(), request.actor(), "delete.processed", Map.of("request_id", request.id(),
                    "query", request.query(), "deleted", Long.toString(done.deleted()),
                    "examined", Long.toString(examined), "processed_by", owner));
            LOG.info("delete request {} processed: {} records deleted of {} examined", request.id(), done.deleted(),
                    examined);
        }
    }
}
