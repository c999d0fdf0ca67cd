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
        return Map.of("log-stream.auth.mode", "jwt",
                "micronaut.security.token.jwt.signatures.jwks.idp.url", IDENTITY.jwksUrl());
    }

    /** A token that may read every service. */
    static String token() {
        return IDENTITY.token("test-reader", null);
    }

    static String tokenFor(String... services) {
        return IDENTITY.token("test-reader", List.of(services));
    }
}
