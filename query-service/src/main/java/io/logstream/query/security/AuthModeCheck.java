package io.logstream.query.security;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Property;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.context.exceptions.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Refuses to start without an explicit authentication choice; warns loudly when reads are open. */
@Context
public class AuthModeCheck {
    private static final Logger LOG = LoggerFactory.getLogger(AuthModeCheck.class);

    public AuthModeCheck(AuthSettings settings, @Property(name = AuthSettings.JWKS_URL) @Nullable String jwksUrl) {
        String mode = settings.mode() == null ? "" : settings.mode().trim();
        switch (mode) {
            case AuthSettings.JWT -> {
                if (jwksUrl == null || jwksUrl.isBlank()) {
                    throw new ConfigurationException("QUERY_AUTH=jwt needs QUERY_JWKS_URL, the identity provider's "
                            + "JSON Web Key Set URL");
                }
                LOG.info("reads need a bearer JWT signed by a key of {}; services claim '{}'", jwksUrl,
                        settings.servicesClaim());
            }
            case AuthSettings.NONE -> LOG.warn("QUERY_AUTH=none: the logs API is open to anyone who can reach this "
                    + "port. Use it only on a private network.");
            default -> throw new ConfigurationException("QUERY_AUTH must be 'jwt' (with QUERY_JWKS_URL) or 'none' "
                    + "(open reads, private networks only); got '" + mode + "'");
        }
    }
}
