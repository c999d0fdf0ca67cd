package io.logstream.query.security;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.authentication.AuthorizationException;
import jakarta.inject.Singleton;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/** Whether a token may read a service, from its services claim; a refusal is a 403 problem. */
@Singleton
public class ServiceAccess {
    private static final String ALL = "*";
    private final String claim;
    private final boolean missingClaimReadsAll;

    public ServiceAccess(AuthSettings settings) {
        this.claim = settings.servicesClaim();
        this.missingClaimReadsAll = settings.missingServicesClaim() == AuthSettings.MissingClaim.ALL;
    }

    /** @throws AuthorizationException (403) when the token's claim does not list {@code service} */
    public void check(@Nullable Authentication authentication, String service) {
        if (!allows(authentication, service)) {
            throw new AuthorizationException(authentication);
        }
    }

    /** @throws AuthorizationException (403) when the token may read no service at all: before any expensive parsing */
    public void checkReadsAnything(@Nullable Authentication authentication) {
        if (!readsAnything(authentication)) {
            throw new AuthorizationException(authentication);
        }
    }

    /** Whether the token may read at least one service: checked before a request's expensive parsing. */
    public boolean readsAnything(@Nullable Authentication authentication) {
        if (authentication == null) {
            return true;
        }
        Object granted = authentication.getAttributes().get(claim);
        if (granted == null) {
            return missingClaimReadsAll;
        }
        return !names(granted).isEmpty();
    }

    public boolean allows(@Nullable Authentication authentication, String service) {
        if (authentication == null) {
            return true; // QUERY_AUTH=none: no token, no restriction
        }
        Object granted = authentication.getAttributes().get(claim);
        if (granted == null) {
            return missingClaimReadsAll; // fails closed unless QUERY_MISSING_SERVICES_CLAIM=all
        }
        return names(granted).stream().anyMatch(name -> name.equals(ALL) || name.equals(service));
    }

    private static List<String> names(Object granted) {
        Collection<?> names = granted instanceof Collection<?> list ? list
                : Arrays.asList(granted.toString().trim().split("\\s+"));
        return names.stream().map(String::valueOf).filter(name -> !name.isBlank()).toList();
    }
}
