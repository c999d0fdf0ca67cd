package io.logstream.query.security;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.security.rules.SecurityRuleResult;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import io.micronaut.core.async.publisher.Publishers;

/** {@code QUERY_AUTH=none}: every request is allowed, ahead of every other rule. */
@Singleton
@Requires(property = "log-stream.auth.mode", value = AuthSettings.NONE)
public class OpenAccessRule implements SecurityRule<HttpRequest<?>> {
    @Override
    public Publisher<SecurityRuleResult> check(HttpRequest<?> request, @Nullable Authentication authentication) {
        return Publishers.just(SecurityRuleResult.ALLOWED);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
