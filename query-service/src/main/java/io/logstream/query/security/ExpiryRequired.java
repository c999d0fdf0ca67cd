package io.logstream.query.security;

import io.micronaut.context.annotation.Requires;
import io.micronaut.security.token.Claims;
import io.micronaut.security.token.jwt.validator.GenericJwtClaimsValidator;
import jakarta.inject.Singleton;

/**
 * Refuses a token without {@code exp}. micronaut-security checks {@code exp} only when a token has one, so a token
 * minted without it would read for ever.
 */
@Singleton
@Requires(property = "log-stream.auth.mode", value = AuthSettings.JWT)
public class ExpiryRequired<T> implements GenericJwtClaimsValidator<T> {
    @Override
    public boolean validate(Claims claims, T request) {
        return claims.get(Claims.EXPIRATION_TIME) != null;
    }
}
