package io.logstream.query.security;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.token.reader.TokenReader;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * The Loki API's second way to present a bearer token, as hosted Loki takes it: {@code Authorization: Basic} whose
 * password is the token (the user name is ignored). Many Loki clients, logcli 1.x among them, speak only basic auth.
 * The token found here goes through exactly the validation a bearer header's does. Only under {@code /loki/}: the
 * REST API takes the bearer header alone.
 */
@Singleton
public class BasicPasswordTokenReader implements TokenReader<HttpRequest<?>> {
    private static final String PREFIX = "Basic ";

    @Override
    public Optional<String> findToken(HttpRequest<?> request) {
        if (!request.getPath().startsWith("/loki/")) {
            return Optional.empty();
        }
        return request.getHeaders().get(HttpHeaders.AUTHORIZATION, String.class)
                .filter(value -> value.regionMatches(true, 0, PREFIX, 0, PREFIX.length()))
                .flatMap(value -> password(value.substring(PREFIX.length()).trim()));
    }

    private static Optional<String> password(String credentials) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // not base64: no token, so 401 as without a header
        }
        int colon = decoded.indexOf(':');
        String password = colon < 0 ? "" : decoded.substring(colon + 1);
        return password.isEmpty() ? Optional.empty() : Optional.of(password);
    }
}
