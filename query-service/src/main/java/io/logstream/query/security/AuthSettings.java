package io.logstream.query.security;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
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
 *                      {@code services}): a JSON array or a space-separated string, {@code *} for all
 * @param missingServicesClaim what a token without the claim (or with it null) may read
 *                      (QUERY_MISSING_SERVICES_CLAIM): {@code none} (the default: authorization fails closed) or
 *                      {@code all}, for an identity provider that mints tokens for this API alone
 * @param jwksConnectTimeout how long connecting to the JWKS URL may take (QUERY_JWKS_CONNECT_TIMEOUT)
 * @param jwksReadTimeout    how long reading the JWKS may take once connected (QUERY_JWKS_READ_TIMEOUT)
 * @param jwksRetryAfter     after a failed JWKS fetch, how long requests are refused at once (401) instead of each
 *                           waiting for another fetch
 * @param tokenCacheTtl  how long an accepted bearer token is remembered, never past its {@code exp}
 *                      ({@link ValidatedTokens}); 0 checks every request's token in full
 * @param tokenCacheSize how many accepted tokens are remembered at most
 * @param adminClaim    the claim that makes a token an administrator's (QUERY_ADMIN_CLAIM, default
 *                      {@code log_stream_admin}): {@code true} (or the string {@code "true"}) may delete records and
 *                      set retention ({@link AdminAccess}); nothing else is needed for that, and nothing else grants it
 */
@ConfigurationProperties("log-stream.auth")
public record AuthSettings(@Nullable String mode,
                           @NotBlank String servicesClaim,
                           @NotNull Duration tokenCacheTtl,
                           @Min(1) int tokenCacheSize,
                           @NotNull MissingClaim missingServicesClaim,
                           @NotNull Duration jwksConnectTimeout,
                           @NotNull Duration jwksReadTimeout,
                           @NotNull Duration jwksRetryAfter,
                           @NotBlank String adminClaim) {
    public static final String JWT = "jwt";
    public static final String NONE = "none";
    public static final String JWKS_URL = "micronaut.security.token.jwt.signatures.jwks.idp.url";
    public static final String ISSUER = "micronaut.security.token.jwt.claims-validators.issuer";
    public static final String AUDIENCE = "micronaut.security.token.jwt.claims-validators.audience";

    public enum MissingClaim { NONE, ALL }
}
