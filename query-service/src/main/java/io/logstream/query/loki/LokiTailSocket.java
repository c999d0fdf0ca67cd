package io.logstream.query.loki;

import io.logstream.query.logql.LogQl;
import io.logstream.query.logql.LogQlParser;
import io.logstream.query.logql.LogQlException;

import io.logstream.model.LogRecord;
import io.logstream.query.config.ReadSettings;
import io.logstream.query.store.Direction;
import io.logstream.query.store.ReadBudgets;
import io.logstream.query.security.ServiceAccess;
import io.logstream.query.security.TokenExpiry;
import io.logstream.query.tail.TailService;
import io.micronaut.http.HttpRequest;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.authentication.AuthorizationException;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.websocket.CloseReason;
import io.micronaut.websocket.WebSocketSession;
import io.micronaut.websocket.annotation.OnClose;
import io.micronaut.websocket.annotation.OnMessage;
import io.micronaut.websocket.annotation.OnOpen;
import io.micronaut.websocket.annotation.ServerWebSocket;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Loki's live tail, {@code /loki/api/v1/tail} over a WebSocket, as {@code logcli query --tail} and Grafana's live
 * mode use it. On open: up to {@code limit} (default 100) of the newest records from {@code start} (or {@code from},
 * as logcli 1.x sends it; default one hour
 * ago) up to the release bound, oldest first; then new records as they are released. {@code delay_for} (0-5 s) adds
 * to the tail delay. Frames are Loki's: {@code {"streams":[...],"dropped_entries":null}}. A bad query closes the
 * socket with status 1008 and the message; a full instance closes it with 1013 (try again later); the bearer token's
 * expiry closes it with 1008 "token expired". The initial read spends one request budget. Opening reads
 * DynamoDB, so the handlers run on the blocking executor, not on the event loop.
 */
@ServerWebSocket("/loki/api/v1/tail")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
public class LokiTailSocket {
    private static final String TAIL = "tail";
    private static final String EXPIRY = "expiry";

    private final TailService tails;
    private final SelectorReader reader;
    private final LokiEncoder encoder;
    private final Clock clock;
    private final ReadSettings settings;
    private final ServiceAccess access;
    private final ReadBudgets budgets;

    public LokiTailSocket(TailService tails, SelectorReader reader, LokiEncoder encoder, Clock clock,
                          ReadSettings settings, ServiceAccess access, ReadBudgets budgets) {
        this.tails = tails;
        this.reader = reader;
        this.encoder = encoder;
        this.clock = clock;
        this.settings = settings;
        this.access = access;
        this.budgets = budgets;
    }

    @OnOpen
    public void open(WebSocketSession session, HttpRequest<?> request) {
        try {
            Authentication authentication = request.getUserPrincipal(Authentication.class).orElse(null);
            access.checkReadsAnything(authentication);
            LokiParams.Tail params = LokiParams.tail(request.getParameters(), clock.millis(), settings.lokiMaxEntries());
            LogQl.Query query = LogQlParser.parseLog(params.query());
            List<String> services = reader.services(query.matchers(), authentication);
            TailService.Spec spec = new TailService.Spec(services, SelectorReader.levels(query.matchers()),
                    encoder.filter(query), settings.tailDelay().toMillis() + params.delayForMillis());
            long bound = tails.releaseBound(spec.delayMillis());
            if (bound >= params.startMillis()) {
                send(session, initial(services, spec, params, bound), query);
            }
            var tail = tails.start(spec, TailService.Position.from(Math.max(params.startMillis(), bound + 1)),
                    batch -> send(session, batch, query), error -> session.close(CloseReason.INTERNAL_ERROR));
            if (tail.isEmpty()) {
                session.close(CloseReason.TRY_AGAIN_LATER);
                return;
            }
            session.put(TAIL, tail.get());
            TokenExpiry.left(authentication, clock).ifPresent(left -> session.put(EXPIRY,
                    Mono.delay(left, Schedulers.parallel()).subscribe(tick -> session.close(
                            new CloseReason(CloseReason.POLICY_VIOLATION.getCode(), "token expired")))));
        } catch (LogQlException e) {
            session.close(new CloseReason(CloseReason.POLICY_VIOLATION.getCode(), e.getMessage()));
        } catch (AuthorizationException e) {
            session.close(new CloseReason(CloseReason.POLICY_VIOLATION.getCode(), "forbidden"));
        }
    }

    /** Up to {@code limit} of the newest records from the start up to the release bound, oldest first. */
    private List<LogRecord> initial(List<String> services, TailService.Spec spec, LokiParams.Tail params, long bound) {
        List<LogRecord> initial = new ArrayList<>(reader.read(services, spec.levels(), params.startMillis(), bound,
                Direction.BACKWARD, params.limit(), spec.filter(), budgets.start()).records());
        Collections.reverse(initial);
        return initial;
    }

    @OnMessage
    public void message(String ignored, WebSocketSession session) {
        // clients send nothing that matters
    }

    @OnClose
    public void close(WebSocketSession session) {
        session.get(TAIL, TailService.Tail.class).ifPresent(TailService.Tail::close);
        session.get(EXPIRY, Disposable.class).ifPresent(Disposable::dispose);
    }

    private void send(WebSocketSession session, List<LogRecord> records, LogQl.Query query) {
        if (records.isEmpty() || !session.isOpen()) {
            return;
        }
        session.sendSync(encoder.tailFrame(records, query));
    }
}
