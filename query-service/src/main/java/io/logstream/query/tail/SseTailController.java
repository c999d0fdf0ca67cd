package io.logstream.query.tail;

import io.logstream.model.LogKeys;
import io.logstream.model.LogRecord;
import io.logstream.query.config.ReadSettings;
import io.logstream.query.store.Completeness;
import io.logstream.query.store.CompletenessHeader;
import io.logstream.query.problem.InvalidParameter;
import io.logstream.query.problem.InvalidRequestException;
import io.logstream.query.store.LogQuery;
import io.logstream.query.rest.LogQueryParser;
import io.logstream.query.rest.LogView;
import io.logstream.query.security.ServiceAccess;
import io.logstream.query.security.TokenExpiry;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.exceptions.HttpStatusException;
import io.micronaut.http.sse.Event;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.swagger.v3.oas.annotations.Hidden;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code GET /v1/services/{service}/logs/tail}: new records of a service as Server-Sent Events, in order. Each event's
 * id is the record's sort key; a client that reconnects with {@code Last-Event-ID} resumes right after it, with no
 * gap and no repeat. {@code level} filters as on the logs operation. An event named {@code heartbeat} is sent when
 * nothing else flows for the heartbeat interval. Records are released up to the completeness watermark less the tail
 * delay ({@link TailService}). A {@code Last-Event-ID} older than {@code tail-resume-window} is refused (400): the
 * gap is for the logs operation to read, page by page. The stream ends with an event named {@code expired} when the
 * bearer token expires; the client reconnects with a fresh one and its {@code Last-Event-ID}. Not in the OpenAPI document: a stream cannot be described there (docs/query.md).
 */
@Hidden
@Controller("/v1/services")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
public class SseTailController {
    private static final Pattern EVENT_ID = Pattern.compile("\\d{13}#" + LogKeys.NAME.pattern());

    private final TailService tails;
    private final LogQueryParser parser;
    private final ServiceAccess access;
    private final Completeness completeness;
    private final ReadSettings settings;
    private final Clock clock;

    public SseTailController(TailService tails, LogQueryParser parser, ServiceAccess access, Completeness completeness,
                             ReadSettings settings, Clock clock) {
        this.clock = clock;
        this.tails = tails;
        this.parser = parser;
        this.access = access;
        this.completeness = completeness;
        this.settings = settings;
    }

    @Get(value = "/{service}/logs/tail", produces = MediaType.TEXT_EVENT_STREAM)
    public HttpResponse<Publisher<Event<Object>>> tail(@PathVariable String service, HttpRequest<?> request,
                                                       @Nullable Authentication authentication) {
        access.check(authentication, service);
        List<String> levels = request.getParameters().getAll("level");
        LogQuery query = parser.parse(service, levels.isEmpty() ? Map.of() : Map.of("level", levels));
        String lastEventId = request.getHeaders().get("Last-Event-ID");
        long delay = settings.tailDelay().toMillis();
        TailService.Position position;
        if (lastEventId != null && !lastEventId.isBlank()) {
            if (!EVENT_ID.matcher(lastEventId.trim()).matches()) {
                throw new InvalidRequestException(List.of(new InvalidParameter("Last-Event-ID",
                        "not an event id of this tail (13-digit millis, #, record id)")));
            }
            position = TailService.Position.after(service, lastEventId.trim());
            long oldest = clock.millis() - settings.tailResumeWindow().toMillis();
            if (LogKeys.tsOf(lastEventId.trim()) < oldest) {
                throw new InvalidRequestException(List.of(new InvalidParameter("Last-Event-ID", "older than the "
                        + "resume window of " + settings.tailResumeWindow().toMinutes() + " minutes; read the gap with "
                        + "GET /v1/services/" + service + "/logs?from=...&direction=forward, then tail without it")));
            }
        } else {
            position = TailService.Position.from(tails.releaseBound(delay) + 1);
        }
        TailService.Spec spec = new TailService.Spec(List.of(service), query.levels(), record -> true, delay);
        String watermark = completeness.completeUntil().toString();
        if (tails.open() >= settings.tailConnections()) {
            throw new HttpStatusException(HttpStatus.TOO_MANY_REQUESTS, "this instance serves its maximum of "
                    + settings.tailConnections() + " tails; retry later or on another instance");
        }
        Flux<Event<Object>> records = Flux.create(sink -> {
            var tail = tails.start(spec, position, batch -> emit(sink, batch), sink::error);
            if (tail.isEmpty()) {
                sink.error(new HttpStatusException(HttpStatus.TOO_MANY_REQUESTS, "too many tails"));
                return;
            }
            sink.onDispose(tail.get()::close);
        }, FluxSink.OverflowStrategy.BUFFER);
        Duration heartbeat = settings.tailHeartbeat();
        Flux<Event<Object>> heartbeats = Flux.interval(heartbeat, heartbeat, Schedulers.boundedElastic())
                .map(tick -> Event.<Object>of(Map.of("completeUntil", completeness.completeUntil().toString()))
                        .name("heartbeat"));
        Flux<Event<Object>> events = Flux.merge(records, heartbeats);
        Optional<Duration> left = TokenExpiry.left(authentication, clock);
        if (left.isPresent()) {
            events = events.takeUntilOther(Mono.delay(left.get(), Schedulers.parallel()))
                    .concatWith(Mono.just(Event.<Object>of(Map.of("expiredAt",
                            TokenExpiry.of(authentication).orElseThrow().toString())).name("expired")));
        }
        return HttpResponse.<Publisher<Event<Object>>>ok(events).header(CompletenessHeader.NAME, watermark);
    }

    private static void emit(FluxSink<Event<Object>> sink, List<LogRecord> batch) {
        for (LogRecord record : batch) {
            sink.next(Event.<Object>of(LogView.of(record)).id(LogKeys.sortKey(record.ts(), record.id())));
        }
    }
}
