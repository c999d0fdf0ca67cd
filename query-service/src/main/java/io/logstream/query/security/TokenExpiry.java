package io.logstream.query.security;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.token.Claims;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;

/** When a request's bearer token expires: its {@code exp}, however micronaut-security handed it over. */
public final class TokenExpiry {
    private TokenExpiry() {
    }

    /** Empty without a token (QUERY_AUTH=none) or without {@code exp} (which jwt mode refuses). */
    public static Optional<Instant> of(@Nullable Authentication authentication) {
        return authentication == null ? Optional.empty()
                : Optional.ofNullable(instant(authentication.getAttributes().get(Claims.EXPIRATION_TIME)));
    }

    /** How long the token has left (zero once expired); empty without a token or an {@code exp}. */
    public static Optional<Duration> left(@Nullable Authentication authentication, Clock clock) {
        return of(authentication).map(expires -> {
            Duration left = Duration.between(clock.instant(), expires);
            return left.isNegative() ? Duration.ZERO : left;
        });
    }

    private static Instant instant(Object exp) {
        if (exp instanceof Date date) {
            return date.toInstant();
        }
        if (exp instanceof Instant instant) {
            return instant;
        }
        if (exp instanceof Number seconds) {
            return Instant.ofEpochSecond(seconds.longValue());
        }
        return null;
    }
}
