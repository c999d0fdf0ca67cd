package io.logstream.query;

import io.logstream.localaws.LocalIdentity;

import java.util.List;
import java.util.Map;

/** One local identity provider per test JVM, and the properties that make query-service trust it. */
final class TestAuth {
    static final LocalIdentity IDENTITY = LocalIdentity.start();

    private TestAuth() {
    }

    static Map<String, String> properties() {
        // The test class path has Micronaut's HTTP client (for @Client), so micronaut-security fetches the JWKS with it
        // rather than with Nimbus's retriever as the service jar does; a refetch through it (every cache-expiration,
        // 60 s by default) fails the request in flight with "no further steps are allowed after cancel". The tests
        // that run longer than a minute keep the first fetch instead (docs/query.md, "JWKS").
        // the suites send hundreds of requests a second with one token; the limits are tested on their own
        // (RequestLimitsTest) with low settings
        return Map.of("log-stream.limits.token-rate", "1000000", "log-stream.limits.token-burst", "1000000",
                "log-stream.limits.instance-rate", "1000000", "log-stream.limits.token-concurrency", "1000",
                "log-stream.limits.instance-concurrency", "1000",
                "log-stream.auth.mode", "jwt",
                "micronaut.security.token.jwt.signatures.jwks.idp.url", IDENTITY.jwksUrl(),
                "micronaut.security.token.jwt.claims-validators.issuer", LocalIdentity.ISSUER,
                "micronaut.security.token.jwt.claims-validators.audience", LocalIdentity.AUDIENCE,
                "micronaut.security.token.jwt.signatures.jwks.idp.cache-expiration", "3600");
    }

    /** A token that may read every service. */
    static String token() {
        return IDENTITY.token("test-reader", LocalIdentity.ALL_SERVICES);
    }

    static String tokenFor(String... services) {
        return IDENTITY.token("test-reader", List.of(services));
    }
}
