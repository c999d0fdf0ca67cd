package io.logstream.query.security;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Property;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Refuses to start without an explicit authentication choice, and in {@code jwt} mode without what makes a token this
 * API's: the issuer and audience it must carry (QUERY_JWT_ISSUER, QUERY_JWT_AUDIENCE) and a JWKS URL over https (plain
 * http only on loopback). Warns loudly when reads are open.
 */
@Context
public class AuthModeCheck {
    private static final Logger LOG = LoggerFactory.getLogger(AuthModeCheck.class);

    public AuthModeCheck(AuthSettings settings, @Property(name = AuthSettings.JWKS_URL) @Nullable String jwksUrl,
                         @Property(name = AuthSettings.ISSUER) @Nullable String issuer,
                         @Property(name = AuthSettings.AUDIENCE) @Nullable String audience) {
        String mode = settings.mode() == null ? "" : settings.mode().trim();
        switch (mode) {
            case AuthSettings.JWT -> {
                if (blank(jwksUrl)) {
                    throw new ConfigurationException("QUERY_AUTH=jwt needs QUERY_JWKS_URL, the identity provider's "
                            + "JSON Web Key Set URL");
                }
                requireHttpsOffLoopback(jwksUrl);
                if (blank(issuer) || blank(audience)) {
                    throw new ConfigurationException("QUERY_AUTH=jwt needs QUERY_JWT_ISSUER and QUERY_JWT_AUDIENCE: "
                            + "without them any token the identity provider signs, for any application, would read");
                }
                LOG.info("reads need a bearer JWT signed by a key of {}, issued by {} for {}; services claim '{}'",
                        jwksUrl, issuer, audience, settings.servicesClaim());
            }
            case AuthSettings.NONE -> LOG.warn("QUERY_AUTH=none: the logs API is open to anyone who can reach this "
                    + "port. Use it only on a private network.");
            default -> throw new ConfigurationException("QUERY_AUTH must be 'jwt' (with QUERY_JWKS_URL) or 'none' "
                    + "(open reads, private networks only); got '" + mode + "'");
        }
    }

    /** Keys fetched over plain http could be swapped by anyone on the path; loopback has no path. */
    static void requireHttpsOffLoopback(String url) {
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("QUERY_JWKS_URL is not a URL: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https")) {
            return;
        }
        if (scheme.equals("http") && isLoopback(uri.getHost())) {
            return;
        }
        throw new ConfigurationException("QUERY_JWKS_URL must be https (plain http only on loopback): " + url);
    }

    private static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!literal.matches("[0-9.]+|[0-9A-Fa-f:]+")) {
            return false; // a name other than localhost would need a DNS lookup, and DNS can say anything
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
