package io.logstream.query.security;

import com.nimbusds.jose.util.DefaultResourceRetriever;
import io.micronaut.context.annotation.Primary;
import io.micronaut.context.annotation.Requires;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.security.token.jwt.signature.jwks.JwksClient;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.io.IOException;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;

/**
 * Fetches the JWKS with connect and read timeouts. micronaut-security's own fetcher waits for ever (its Nimbus
 * retriever is built with timeouts of 0), so an identity provider that accepts the connection and never answers used
 * to hang every request. After a failed fetch, requests are refused at once (401) for {@code jwks-retry-after} instead
 * of each waiting for another timeout; readiness ({@link JwksHealthIndicator}) reports the failure.
 */
@Singleton
@Primary
@Requires(property = "log-stream.auth.mode", value = AuthSettings.JWT)
public class TimedJwksClient implements JwksClient {
    private static final Logger LOG = LoggerFactory.getLogger(TimedJwksClient.class);
    private static final int MAX_JWKS_BYTES = 512 * 1024;

    private final DefaultResourceRetriever retriever;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Duration retryAfter;
    private volatile Instant failedAt;
    private volatile String failure;

    public TimedJwksClient(AuthSettings settings, @Named(TaskExecutors.BLOCKING) ExecutorService executor, Clock clock) {
        this.retriever = new DefaultResourceRetriever((int) settings.jwksConnectTimeout().toMillis(),
                (int) settings.jwksReadTimeout().toMillis(), MAX_JWKS_BYTES);
        this.scheduler = Schedulers.fromExecutorService(executor);
        this.clock = clock;
        this.retryAfter = settings.jwksRetryAfter();
    }

    @Override
    public Publisher<String> load(String providerName, String url) {
        if (failedRecently()) {
            return Mono.empty();
        }
        return Mono.fromCallable(() -> fetch(url)).subscribeOn(scheduler).onErrorResume(IOException.class, e -> Mono.empty());
    }

    /** Fetches the key set now, on the calling thread; records the outcome for readiness. */
    String fetch(String url) throws IOException {
        try {
            String content = retriever.retrieveResource(new URL(url)).getContent();
            failedAt = null;
            failure = null;
            return content;
        } catch (IOException e) {
            failedAt = clock.instant();
            failure = e.getClass().getSimpleName();
            LOG.warn("the JWKS at {} could not be fetched ({}); tokens are refused until it answers", url, e.toString());
            throw e;
        }
    }

    boolean failedRecently() {
        Instant at = failedAt;
        return at != null && clock.instant().isBefore(at.plus(retryAfter));
    }

    /** The last fetch's failure (the exception's kind), or null when it succeeded or none was made. */
    String lastFailure() {
        return failure;
    }
}
