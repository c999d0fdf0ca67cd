package io.logstream.query.security;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;

/**
 * How reads are authenticated ({@code log-stream.auth}).
 *
 * @param mode          {@code jwt} (bearer tokens checked against {@code jwksUrl}) or {@code none} (anyone may read;
 *                      for a private network only). QUERY_AUTH; there is no default, so a deployment has to choose.
 *                      With {@code jwt}, QUERY_JWKS_URL (the identity provider's JWKS) sets
 *                      {@value #JWKS_URL}
 * @param servicesClaim the claim listing the services a token may read (QUERY_SERVICES_CLAIM, default
 *                      {@code services}): a JSON array or a space-separated string, {@code *} for all. A token
 *                      without the claim may read every service
 * @param tokenCacheTtl  how long an accepted bearer token is remembered, never past its {@code exp}
 *                      ({@link ValidatedTokens}); 0 checks every request's token in full
 * @param tokenCacheSize how many accepted tokens are remembered at most
 */
@ConfigurationProperties("log-stream.auth")
public record AuthSettings(@Nullable String mode,
                           @Bindable(defaultValue = "services") @NotBlank String servicesClaim,
                           @Bindable(defaultValue = "30s") @NotNull Duration tokenCacheTtl,
                           @Bindable(defaultValue = "10000") @Min(1) int tokenCacheSize) {
    public static final String JWT = "jwt";
    public static final String NONE = "none";
    public static final String JWKS_URL = "micronaut.security.token.jwt.signatures.jwks.idp.url";
}
