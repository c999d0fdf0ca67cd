package io.logstream.query.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.logstream.query.problem.Problem;
import io.logstream.query.problem.ProblemErrorResponseProcessor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.filter.HttpServerFilter;
import io.micronaut.http.filter.ServerFilterChain;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.security.authentication.Authentication;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * Rate and concurrency limits per caller and per instance on every read route ({@code /v1/**}, {@code /loki/**}),
 * after authentication, so the caller is the token's subject. Token buckets (Bucket4j) for the rates, semaphores for
 * what is in flight. A refusal is 429 problem+json with {@code Retry-After} and counts in
 * {@code logstream_query_rate_limited_total{limit=…}}. A tail holds its slot only while it is opened: its stream is
 * bounded by {@code tail-connections} instead.
 */
@Filter({"/v1/**", "/loki/**"})
public class RequestLimiter implements HttpServerFilter {
    /** Which limit refused a request, as the {@code limit} tag. */
    enum Limit { TOKEN_RATE, TOKEN_CONCURRENCY, INSTANCE_RATE, INSTANCE_CONCURRENCY }

    private final LimitSettings settings;
    private final Bucket instanceRate;
    private final Semaphore instanceInFlight;
    private final Cache<String, Caller> callers = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterAccess(Duration.ofMinutes(10)).build();
    private final Map<Limit, Counter> refused = new EnumMap<>(Limit.class);

    public RequestLimiter(LimitSettings settings, MeterRegistry registry) {
        this.settings = settings;
        this.instanceRate = bucket(settings.instanceRate(), settings.instanceRate());
        this.instanceInFlight = new Semaphore(settings.instanceConcurrency());
        for (Limit limit : Limit.values()) {
            refused.put(limit, Counter.builder("logstream.query.rate.limited")
                    .description("Requests refused with 429 by a rate or concurrency limit")
                    .tag("limit", limit.name().toLowerCase().replace('_', '-')).register(registry));
        }
    }

    /** One caller's bucket and in-flight count. */
    private record Caller(Bucket rate, Semaphore inFlight) {
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.after();
    }

    @Override
    public Publisher<MutableHttpResponse<?>> doFilter(HttpRequest<?> request, ServerFilterChain chain) {
        Caller caller = callers.get(callerOf(request), key -> new Caller(
                bucket(settings.tokenRate(), settings.tokenBurst()), new Semaphore(settings.tokenConcurrency())));
        ConsumptionProbe own = caller.rate().tryConsumeAndReturnRemaining(1);
        if (!own.isConsumed()) {
            return refuse(request, Limit.TOKEN_RATE, own.getNanosToWaitForRefill());
        }
        ConsumptionProbe shared = instanceRate.tryConsumeAndReturnRemaining(1);
        if (!shared.isConsumed()) {
            return refuse(request, Limit.INSTANCE_RATE, shared.getNanosToWaitForRefill());
        }
        if (!caller.inFlight().tryAcquire()) {
            return refuse(request, Limit.TOKEN_CONCURRENCY, 0);
        }
        if (!instanceInFlight.tryAcquire()) {
            caller.inFlight().release();
            return refuse(request, Limit.INSTANCE_CONCURRENCY, 0);
        }
        return Flux.from(chain.proceed(request)).doFinally(signal -> {
            instanceInFlight.release();
            caller.inFlight().release();
        });
    }

    private static String callerOf(HttpRequest<?> request) {
        return request.getUserPrincipal(Authentication.class).map(a -> "token:" + a.getName())
                .orElseGet(() -> "address:" + request.getRemoteAddress().getAddress().getHostAddress());
    }

    private Publisher<MutableHttpResponse<?>> refuse(HttpRequest<?> request, Limit limit, long waitNanos) {
        refused.get(limit).increment();
        long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
        String detail = switch (limit) {
            case TOKEN_RATE -> "this token makes more than " + settings.tokenRate() + " requests a second";
            case TOKEN_CONCURRENCY -> "this token has " + settings.tokenConcurrency() + " requests in flight already";
            case INSTANCE_RATE, INSTANCE_CONCURRENCY -> "this instance is at its limit of requests";
        } + "; retry after " + seconds + " s";
        MutableHttpResponse<?> response = HttpResponse.status(HttpStatus.TOO_MANY_REQUESTS)
                .header("Retry-After", Long.toString(seconds))
                .contentType(ProblemErrorResponseProcessor.PROBLEM_JSON)
                .body(new Problem("/problems/too-many-requests", "Too Many Requests", 429, detail, request.getPath(),
                        null));
        return Publishers.just(response);
    }

    private static Bucket bucket(int perSecond, int burst) {
        return Bucket.builder().addLimit(limit -> limit.capacity(burst).refillGreedy(perSecond, Duration.ofSeconds(1)))
                .build();
    }
}
