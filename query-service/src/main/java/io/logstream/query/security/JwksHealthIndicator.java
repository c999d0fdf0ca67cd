package io.logstream.query.security;

import io.micronaut.context.annotation.Property;
import io.micronaut.context.annotation.Requires;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.AbstractHealthIndicator;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ready only while the identity provider's JWKS answers within its timeouts: without it no token can be checked.
 * Right after a failed fetch it reports that failure instead of waiting for another timeout.
 */
@Singleton
@Readiness
@Requires(property = "log-stream.auth.mode", value = AuthSettings.JWT)
public class JwksHealthIndicator extends AbstractHealthIndicator<Map<String, Object>> {
    private final TimedJwksClient client;
    private final String url;

    public JwksHealthIndicator(TimedJwksClient client, @Property(name = AuthSettings.JWKS_URL) String url) {
        this.client = client;
        this.url = url;
    }

    @Override
    protected Map<String, Object> getHealthInformation() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("url", url);
        if (!client.failedRecently()) {
            try {
                client.fetch(url);
            } catch (IOException e) {
                // recorded by the client
            }
        }
        String failure = client.lastFailure();
        healthStatus = failure == null ? HealthStatus.UP : HealthStatus.DOWN;
        if (failure != null) {
            details.put("error", "the JWKS did not answer: " + failure);
        }
        return details;
    }

    @Override
    protected String getName() {
        return "jwks";
    }
}
