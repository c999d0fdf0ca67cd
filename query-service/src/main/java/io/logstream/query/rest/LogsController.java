package io.logstream.query.rest;

import io.logstream.query.store.LogQuery;
import io.logstream.query.store.LogRepository;
import io.logstream.query.store.ReadBudgets;

import io.logstream.query.store.Completeness;
import io.logstream.query.store.CompletenessHeader;
import io.logstream.query.security.ServiceAccess;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/services/{service}/logs}: the latest logs of a service, or a time window, page by page. The DynamoDB
 * query blocks, so requests run on the blocking executor, never on the Netty event loop.
 */
@Controller("/v1/services")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
public class LogsController {
    private final LogQueryParser parser;
    private final LogRepository repository;
    private final CursorCodec cursors;
    private final ServiceAccess access;
    private final Completeness completeness;
    private final Clock clock;
    private final ReadBudgets budgets;

    public LogsController(LogQueryParser parser, LogRepository repository, CursorCodec cursors, ServiceAccess access,
                          Completeness completeness, Clock clock, ReadBudgets budgets) {
        this.budgets = budgets;
        this.parser = parser;
        this.repository = repository;
        this.cursors = cursors;
        this.access = access;
        this.completeness = completeness;
        this.clock = clock;
    }

    /** Documented in {@code src/main/openapi/logs.yml}, which states the parameter syntax exactly. */
    @Get(value = "/{service}/logs", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<LogPage> logs(@PathVariable String service,
                                      HttpRequest<?> request, @Nullable Authentication authentication) {
        access.check(authentication, service);
        LogQuery query = parser.parse(service, parameters(request));
        Instant completeUntil = completeness.completeUntil(); // before the read: what it vouches for is in the read
        LogRepository.Slice slice = repository.find(query, budgets.start());
        String next = slice.nextPosition() == null ? null : cursors.encode(query, slice.nextPosition());
        long windowEnd = query.to() != null ? query.to() : clock.millis();
        LogPage page = new LogPage(service, slice.records().stream().map(LogView::of).toList(), next,
                completeUntil.toString(), windowEnd <= completeUntil.toEpochMilli());
        return HttpResponse.ok(page).header(CompletenessHeader.NAME, completeUntil.toString());
    }

    private static Map<String, List<String>> parameters(HttpRequest<?> request) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        request.getParameters().forEach((name, values) -> parameters.put(name, new ArrayList<>(values)));
        return parameters;
    }
}
