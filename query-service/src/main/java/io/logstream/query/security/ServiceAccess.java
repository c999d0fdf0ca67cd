package io.logstream.query.security;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.authentication.AuthorizationException;
import jakarta.inject.Singleton;

import java.util.Arrays;
import java.util.Collection;

/** Whether a token may read a service, from its services claim; a refusal is a 403 problem. */
@Singleton
public class ServiceAccess {
    private static final String ALL = "*";
    private final String claim;

    public ServiceAccess(AuthSettings settings) {
        this.claim = settings.servicesClaim();
    }

    /** @throws AuthorizationException (403) when the token's claim does not list {@code service} */
    public void check(@Nullable Authentication authentication, String service) {
        if (!allows(authentication, service)) {
            throw new AuthorizationException(authentication);
        }
    }

    public boolean allows(@Nullable Authentication authentication, String service) {
        if (authentication == null) {
            return true; // QUERY_AUTH=none: no token, no restriction
        }
        Object granted = authentication.getAttributes().get(claim);
        if (granted == null) {
            return true;
        }
        Collection<?> names = granted instanceof Collection<?> list ? list
                : Arrays.asList(granted.toString().trim().split("\\s+"));
        return names.stream().map(String::valueOf).anyMatch(name -> name.equals(ALL) || name.equals(service));
    }
}
