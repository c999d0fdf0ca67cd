package io.logstream.query.loki;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.logstream.query.logql.LogQlException;
import io.logstream.query.logql.LogQlParser;
import io.logstream.query.problem.ClientSafeException;
import io.logstream.query.problem.InvalidParameter;
import io.logstream.query.problem.InvalidRequestException;
import io.logstream.query.security.AdminAccess;
import io.logstream.query.store.AuditTable;
import io.logstream.query.store.DeleteRequestTable;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.swagger.v3.oas.annotations.Hidden;

import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loki's delete API (docs/retention.md), for administrators only ({@link AdminAccess}); every change is audited.
 * <ul>
 *   <li>{@code POST /loki/api/v1/delete?query=&start=&end=}: a log query (selector, line filters, pipeline) and a time
 *   range (Loki's forms: epoch seconds or nanoseconds, RFC 3339; {@code end} defaults to now and is inclusive). 204;
 *   the request is stored and processed in the background.</li>
 *   <li>{@code GET /loki/api/v1/delete}: every request with its status and progress.</li>
 *   <li>{@code DELETE /loki/api/v1/delete?request_id=}: cancels a request that has not started (204); 409 once it has.</li>
 * </ul>
 */
@Hidden
@Controller("/loki/api/v1/delete")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
public class DeleteController {
    /** Requests not yet processed that may wait at once. */
    static final int MAX_PENDING = 1_000;
    private final DeleteRequestTable requests;
    private final AuditTable audit;
    private final AdminAccess admins;
    private final Clock clock;

    public DeleteController(DeleteRequestTable requests, AuditTable audit, AdminAccess admins, Clock clock) {
        this.requests = requests;
        this.audit = audit;
        this.admins = admins;
        this.clock = clock;
    }

    /** A request as Loki lists it, with its progress. Times in epoch seconds. */
    @Serdeable
    public record Listed(@JsonProperty("request_id") String requestId, @JsonProperty("start_time") double startTime,
                         @JsonProperty("end_time") double endTime, String query, String status,
                         @JsonProperty("created_at") double createdAt, @JsonProperty("created_by") String createdBy,
                         @JsonProperty("deleted_lines") long deletedLines,
                         @JsonProperty("examined_lines") long examinedLines,
                         @JsonProperty("started_at") @Nullable Double startedAt,
                         @JsonProperty("finished_at") @Nullable Double finishedAt) {
    }

    @Post(consumes = {MediaType.APPLICATION_FORM_URLENCODED, MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN,
            MediaType.ALL})
    public HttpResponse<Void> create(HttpRequest<?> request, @Nullable Authentication auth) {
        String actor = admins.check(auth);
        String query = request.getParameters().get("query");
        String start = request.getParameters().get("start");
        String end = request.getParameters().get("end");
        if (query == null || query.isBlank()) {
            throw new InvalidRequestException(List.of(new InvalidParameter("query", "is required: a log query")));
        }
        try {
            LogQlParser.parseLog(query);
        } catch (LogQlException e) {
            throw new InvalidRequestException(List.of(new InvalidParameter("query", e.getMessage())));
        }
        if (start == null || start.isBlank()) {
            throw new InvalidRequestException(List.of(new InvalidParameter("start", "is required")));
        }
        long now = clock.millis();
        long from;
        long to;
        try {
            from = LokiTime.fromMillis(LokiTime.nanos("start", start, 0));
            to = LokiTime.clamp(Math.floorDiv(LokiTime.nanos("end", end, now * 1_000_000L), 1_000_000L));
        } catch (LogQlException e) {
            throw new InvalidRequestException(List.of(new InvalidParameter(e.getMessage().contains("end") ? "end"
                    : "start", e.getMessage())));
        }
        if (to < from) {
            throw new InvalidRequestException(List.of(new InvalidParameter("end", "is before start")));
        }
        long pending = requests.all().stream().filter(r -> DeleteRequestTable.RECEIVED.equals(r.status())
                || DeleteRequestTable.PROCESSING.equals(r.status())).count();
        if (pending >= MAX_PENDING) {
            throw new InvalidRequestException(List.of(new InvalidParameter("query", "there are " + pending
                    + " delete requests not yet processed, the most that may wait")));
        }
        String id = String.format("%013d", now) + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String normalized = query.strip();
        requests.create(id, normalized, from, to, now, actor);
        audit.record(clock.instant(), actor, "delete.requested", Map.of("request_id", id, "query", normalized,
                "start", Long.toString(from), "end", Long.toString(to)));
        return HttpResponse.noContent();
    }

    @Get(produces = MediaType.APPLICATION_JSON)
    public List<Listed> list(@Nullable Authentication auth) {
        admins.check(auth);
        return requests.all().stream().map(r -> new Listed(r.id(), r.start() / 1000.0, r.end() / 1000.0, r.query(),
                r.status(), r.createdAt() / 1000.0, r.actor(), r.deleted(), r.examined(),
                r.startedAt() == null ? null : r.startedAt() / 1000.0,
                r.finishedAt() == null ? null : r.finishedAt() / 1000.0)).toList();
    }

    @Delete
    public HttpResponse<Void> cancel(HttpRequest<?> request, @Nullable Authentication auth) {
        String actor = admins.check(auth);
        String id = request.getParameters().get("request_id");
        if (id == null || id.isBlank()) {
            throw new InvalidRequestException(List.of(new InvalidParameter("request_id", "is required")));
        }
        DeleteRequestTable.Request stored = requests.get(id).orElseThrow(() -> new Refused(404,
                "delete-request-not-found", "No such delete request", "there is no delete request " + id));
        if (!requests.cancel(id, clock.millis())) {
            throw new Refused(409, "delete-request-started", "The delete request has started",
                    "delete request " + id + " is " + requests.get(id).map(DeleteRequestTable.Request::status)
                            .orElse(stored.status()) + "; only a request that has not started can be cancelled");
        }
        audit.record(clock.instant(), actor, "delete.cancelled", Map.of("request_id", id, "query", stored.query()));
        return HttpResponse.noContent();
    }

    /** A cancel that cannot be done: an unknown request (404) or one that has started (409). */
    static final class Refused extends ClientSafeException {
        private final int status;
        private final String type;
        private final String title;

        Refused(int status, String type, String title, String detail) {
            super(detail);
            this.status = status;
            this.type = type;
            this.title = title;
        }

        @Override
        public String problemType() {
            return type;
        }

        @Override
        public String title() {
            return title;
        }

        @Override
        public int status() {
            return status;
        }
    }
}
