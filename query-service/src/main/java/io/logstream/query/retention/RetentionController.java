package io.logstream.query.retention;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.logstream.model.Retention;
import io.logstream.query.problem.InvalidParameter;
import io.logstream.query.problem.InvalidRequestException;
import io.logstream.query.security.AdminAccess;
import io.logstream.query.store.AuditTable;
import io.logstream.query.store.RetentionTable;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.swagger.v3.oas.annotations.Hidden;

import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The admin API of retention and the audit trail (docs/retention.md), for administrators only ({@link AdminAccess}):
 * <ul>
 *   <li>{@code GET /v1/admin/retention}: the rules in force, when they changed, and whether the job that applies
 *   them to the records stored before is still to finish;</li>
 *   <li>{@code PUT /v1/admin/retention} with the rules as plain text ({@code checkout:DEBUG=3d audit=365d default=30d}):
 *   replaces them, for the consumer's new records within 10 s and for the stored ones by {@link RetentionJob}; a bad
 *   rule is a 400 naming it;</li>
 *   <li>{@code GET /v1/admin/audit?limit=}: the latest admin actions, newest first.</li>
 * </ul>
 */
@Hidden
@Controller("/v1/admin")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
public class RetentionController {
    private final RetentionTable table;
    private final AuditTable audit;
    private final AdminAccess admins;
    private final Clock clock;

    public RetentionController(RetentionTable table, AuditTable audit, AdminAccess admins, Clock clock) {
        this.table = table;
        this.audit = audit;
        this.admins = admins;
        this.clock = clock;
    }

    /** The rules in force. {@code changed_at} is epoch millis, 0 for the configured rules. */
    @Serdeable
    public record Rules(String rules, @JsonProperty("changed_at") long changedAt,
                        @JsonProperty("job_pending") boolean jobPending, List<String> history) {
        static Rules of(Retention retention) {
            return new Rules(retention.current().text(), retention.changedAt(), retention.jobPending(),
                    retention.history().stream().map(p -> p.rules().text() + (p.until() == null ? " (holding until "
                            + "the job is done)" : " (until " + java.time.Instant.ofEpochMilli(p.until()) + ")"))
                            .toList());
        }
    }

    @Serdeable
    public record Audited(String at, String actor, String action, Map<String, String> details) {
    }

    @Get(value = "/retention", produces = MediaType.APPLICATION_JSON)
    public Rules get(@Nullable Authentication auth) {
        admins.check(auth);
        return Rules.of(table.read());
    }

    @Put(value = "/retention", consumes = MediaType.TEXT_PLAIN, produces = MediaType.APPLICATION_JSON)
    public Rules put(@Body String text, @Nullable Authentication auth) {
        String actor = admins.check(auth);
        Retention.RuleSet next;
        try {
            next = Retention.RuleSet.parse(text, table.configured().defaultDays());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(List.of(new InvalidParameter("rules", e.getMessage())));
        }
        Retention before = table.read();
        Retention changed = before.changedTo(next, Math.max(clock.millis(), before.changedAt() + 1));
        if (!table.write(changed, before.changedAt())) {
            throw new InvalidRequestException(List.of(new InvalidParameter("rules",
                    "the rules changed meanwhile; read them again and retry")));
        }
        audit.record(clock.instant(), actor, "retention.changed", Map.of("rules", next.text(),
                "before", before.current().text()));
        return Rules.of(changed);
    }

    @Get(value = "/audit", produces = MediaType.APPLICATION_JSON)
    public List<Audited> audit(@Nullable @QueryValue Integer limit, @Nullable Authentication auth) {
        admins.check(auth);
        int n = limit == null ? 100 : limit;
        if (n < 1 || n > 1000) {
            throw new InvalidRequestException(List.of(new InvalidParameter("limit", "must be 1 to 1000")));
        }
        return audit.latest(n).stream().map(e -> new Audited(e.at().toString(), e.actor(), e.action(), e.details()))
                .toList();
    }
}
