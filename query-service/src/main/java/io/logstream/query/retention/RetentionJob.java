package io.logstream.query.retention;

import io.logstream.model.LogKeys;
import io.logstream.model.Retention;
import io.logstream.query.config.DeleteSettings;
import io.logstream.query.config.Replica;
import io.logstream.query.store.AuditTable;
import io.logstream.query.store.Catalogue;
import io.logstream.query.store.RecordDeletes;
import io.logstream.query.store.RetentionTable;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Applies changed retention rules to the records stored before them (docs/retention.md): every record of every
 * service in the catalogue gets the {@code expiresAt} the new rules give it, and every count item the TTL of its
 * service's longest rule, paced to the delete budget ({@link DeleteSettings#writeUnitsPerSecond()}). Once done, the
 * rules before stop holding ({@link Retention#jobDone}): until then reads hide what either set has expired, so a
 * lengthened rule shows nothing that DynamoDB may have removed under the shorter one.
 * <p>
 * It starts {@value #SETTLE_SECONDS} s after the change, when every consumer has read the new rules (they do every
 * 10 s), so nothing is written under the old ones after it has passed. It is idempotent and holds no lease: items
 * already right are read and left, so two replicas running it at once, or a run after a crash, only read again. A
 * second change while it runs makes its run count for nothing; the next run applies the latest rules.
 */
@Context
public class RetentionJob {
    static final int SETTLE_SECONDS = 30;
    private static final Logger LOG = LoggerFactory.getLogger(RetentionJob.class);
    private final RetentionTable table;
    private final RecordDeletes records;
    private final Catalogue catalogue;
    private final AuditTable audit;
    private final DeleteSettings settings;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final JobBudget budget;

    public RetentionJob(RetentionTable table, RecordDeletes records, Catalogue catalogue, AuditTable audit,
                        DeleteSettings settings, Clock clock) {
        this.table = table;
        this.records = records;
        this.catalogue = catalogue;
        this.audit = audit;
        this.settings = settings;
        this.clock = clock;
        this.budget = new JobBudget(settings);
        this.scheduler = Replica.every(settings.process(), "retention-job", Duration.ofSeconds(5), this::tick);
    }

    private void tick() {
        try {
            Retention retention = table.read();
            if (retention.jobPending() && clock.millis() >= retention.changedAt() + SETTLE_SECONDS * 1000L) {
                run(retention);
            }
        } catch (RuntimeException e) {
            LOG.warn("the retention job failed, run again at the next tick: {}", e.toString());
        }
    }

    /** What a run did: records and count items examined and rewritten, and whether it marked the job done. */
    public record Run(long examined, long rewritten, boolean done) {
    }

    /** Rewrites every TTL the rules of {@code retention} change, then marks the job done if they still hold. */
    public Run run(Retention retention) {
        long examined = 0;
        long rewritten = 0;
        for (Catalogue.Entry entry : catalogue.services()) {
            String service = entry.name();
            int buckets = records.buckets(service, 0, LogKeys.MAX_TS);
            for (int bucket = 0; bucket < buckets; bucket++) {
                String after = null;
                RecordDeletes.Page page;
                do {
                    page = records.page(service, bucket, 0, LogKeys.MAX_TS, after, settings.pageSize());
                    budget.read(page.readUnits());
                    for (RecordDeletes.Found found : page.found()) {
                        examined++;
                        Long wanted = retention.expiresAt(service, found.record().level(), found.record().ts());
                        if (!Objects.equals(wanted, found.expiresAt())) {
                            budget.wrote(records.setExpiry(found.key(), wanted, found.bytes()));
                            rewritten++;
                        }
                    }
                    after = page.last() == null ? after : page.last();
                } while (page.more());
            }
            for (RecordDeletes.CountItem item : records.countItems(service)) {
                examined++;
                Long wanted = retention.countExpiresAt(service, item.minuteEnd());
                if (!Objects.equals(wanted, item.expiresAt())) {
                    budget.wrote(records.setExpiry(item.key(), wanted, item.bytes()));
                    rewritten++;
                }
            }
        }
        long now = clock.millis();
        boolean done = table.write(retention.jobDone(now), retention.changedAt());
        if (done) {
            audit.record(clock.instant(), "retention-job", "retention.applied", Map.of("rules",
                    retention.current().text(), "examined", Long.toString(examined), "rewritten",
                    Long.toString(rewritten)));
            LOG.info("retention rules applied to the stored records: {} examined, {} rewritten", examined, rewritten);
        }
        return new Run(examined, rewritten, done);
    }
}
