package io.logstream.query.security;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.authentication.AuthorizationException;
import jakarta.inject.Singleton;

/**
 * Who may delete records and change retention: a token whose admin claim ({@link AuthSettings#adminClaim()}) is
 * {@code true}. Without authentication ({@code QUERY_AUTH=none}) nobody may: there is no one to hold to account in the
 * audit trail. A refusal is a 403 problem.
 */
@Singleton
public class AdminAccess {
    private final String claim;

    public AdminAccess(AuthSettings settings) {
        this.claim = settings.adminClaim();
    }

    /**
     * @return the administrator's name (the token's subject), for the audit trail
     * @throws AuthorizationException (403) unless the token carries the admin claim
     */
    public String check(@Nullable Authentication authentication) {
        if (authentication == null) {
            throw new AuthorizationException(null);
        }
        Object granted = authentication.getAttributes().get(claim);
        if (!(Boolean.TRUE.equals(granted) || "true".equals(granted))) {
            throw new AuthorizationException(authentication);
        }
        return authentication.getName();
    }
}
