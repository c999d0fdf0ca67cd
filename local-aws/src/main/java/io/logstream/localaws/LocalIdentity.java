package io.logstream.localaws;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * A local identity provider for the local run and the tests: an RSA key generated at start, its public half served
 * as a JWKS on loopback ({@link #jwksUrl()}), and bearer tokens signed with it. Nothing here is a secret worth
 * keeping: the key lives only as long as the process.
 */
public final class LocalIdentity implements AutoCloseable {
    public static final String ISSUER = "log-stream-local";
    /** The audience every token here names, and query-service requires (QUERY_JWT_AUDIENCE). */
    public static final String AUDIENCE = "log-stream-query";
    /** The services claim of a token that reads every service. */
    public static final List<String> ALL_SERVICES = List.of("*");

    private final RSAKey key;
    private final HttpServer server;

    private LocalIdentity(RSAKey key, HttpServer server) {
        this.key = key;
        this.server = server;
    }

    public static LocalIdentity start() {
        try {
            RSAKey key = new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).keyID(UUID.randomUUID().toString())
                    .generate();
            byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/.well-known/jwks.json", exchange -> {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, jwks.length);
                try (OutputStream body = exchange.getResponseBody()) {
                    body.write(jwks);
                }
            });
            server.start();
            return new LocalIdentity(key, server);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate the local signing key", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String jwksUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json";
    }

    /**
     * A token for this API valid for {@code lifetime}; {@code services} null means no services claim, which reads
     * nothing unless query-service is told otherwise ({@link #ALL_SERVICES} reads everything).
     */
    public String token(String subject, List<String> services, Duration lifetime) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(subject).issuer(ISSUER).audience(AUDIENCE)
                .issueTime(new Date()).expirationTime(Date.from(Instant.now().plus(lifetime)));
        if (services != null) {
            claims.claim("services", services);
        }
        return sign(claims.build());
    }

    public String token(String subject, List<String> services) {
        return token(subject, services, Duration.ofHours(12));
    }

    /** An administrator's token (query-service's default admin claim, {@code log_stream_admin}) reading every service. */
    public String adminToken(String subject) {
        return sign(new JWTClaimsSet.Builder().subject(subject).issuer(ISSUER).audience(AUDIENCE).issueTime(new Date())
                .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(12)))).claim("services", ALL_SERVICES)
                .claim("log_stream_admin", true).build());
    }

    /** Signs arbitrary claims with the local key, e.g. an expired token for a test. */
    public String sign(JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                    .type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
