package io.logstream.query.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.token.jwt.validator.ReactiveJsonWebTokenValidator;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Remembers the bearer tokens micronaut-security has accepted, so that a client which sends the same token with every
 * request has its signature checked once, not on every request (an RSA verification and a JWT parse were about 7 %
 * of query-service's CPU per request).
 *
 * <ul>
 *   <li>The key is the whole token, signature included: only the exact bytes that were verified match.</li>
 *   <li>An entry lives at most {@code log-stream.auth.token-cache-ttl} (30 s), and never past the token's own
 *   {@code exp}: an expired token is refused on time, as without the cache.</li>
 *   <li>Refused tokens are not remembered; they are checked in full every time.</li>
 *   <li>At most {@code log-stream.auth.token-cache-size} tokens (10,000), least recently used out first.</li>
 *   <li>What the cache may delay: a signing key withdrawn from the JWKS stops a token it already accepted only when
 *   the entry ends, up to the TTL later. micronaut-security keeps the JWKS itself for a minute, so with the defaults
 *   a withdrawn key is honoured for at most 90 s instead of 60 s.</li>
 * </ul>
 * A TTL of 0 turns the cache off.
 */
@Singleton
@Requires(property = "log-stream.auth.mode", value = AuthSettings.JWT)
@SuppressWarnings({"rawtypes", "unchecked"})
public class ValidatedTokens implements BeanCreatedEventListener<ReactiveJsonWebTokenValidator> {
    /** Null when the TTL is 0: then nothing is remembered and the validator is left as it is. */
    private final Cache<String, Authentication> accepted;

    public ValidatedTokens(AuthSettings settings, Clock clock) {
        this.accepted = settings.tokenCacheTtl().isZero() ? null
                : cache(settings.tokenCacheTtl(), settings.tokenCacheSize(), clock);
    }

    static Cache<String, Authentication> cache(Duration ttl, int size, Clock clock) {
        return Caffeine.newBuilder().maximumSize(size).ticker(() -> clock.millis() * 1_000_000L)
                .expireAfter(Expiry.<String, Authentication>creating((token, authentication) ->
                        lifetime(authentication, ttl, clock)))
                .build();
    }

    @Override
    public ReactiveJsonWebTokenValidator onCreated(BeanCreatedEvent<ReactiveJsonWebTokenValidator> event) {
        return accepted != null ? new Remembering(event.getBean(), accepted) : event.getBean();
    }

    /** The entry's lifetime: the TTL, cut short at the token's {@code exp}. */
    static Duration lifetime(Authentication authentication, Duration ttl, Clock clock) {
        Instant expires = TokenExpiry.of(authentication).orElse(null);
        if (expires == null) {
            return ttl;
        }
        Duration left = Duration.between(clock.instant(), expires);
        return left.isNegative() ? Duration.ZERO : (left.compareTo(ttl) < 0 ? left : ttl);
    }

    /** The validator micronaut-security built, answering from the cache for tokens it has already accepted. */
    public record Remembering<T, R>(ReactiveJsonWebTokenValidator<T, R> delegate,
                                     Cache<String, Authentication> accepted)
            implements ReactiveJsonWebTokenValidator<T, R> {

        @Override
        public Publisher<Authentication> validateToken(String token, R request) {
            Authentication known = accepted.getIfPresent(token);
            if (known != null) {
                return Mono.just(known);
            }
            return Mono.from(delegate.validateToken(token, request))
                    .doOnNext(authentication -> accepted.put(token, authentication));
        }

        @Override
        public Publisher<T> validate(String token, R request) {
            return delegate.validate(token, request);
        }

        @Override
        public int getOrder() {
            return delegate.getOrder();
        }
    }
}
