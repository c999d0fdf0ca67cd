package io.logstream.query.limits;

import io.micronaut.context.annotation.ConfigurationProperties;
import jakarta.validation.constraints.Min;

/**
 * How much one caller and one instance may ask ({@code log-stream.limits}; defaults in application.yml). A caller is
 * a token's subject, or the client address with QUERY_AUTH=none. Past a limit the answer is 429 with Retry-After.
 *
 * @param tokenRate           requests per second one caller may start, on average
 * @param tokenBurst          requests one caller may start at once after a quiet spell
 * @param tokenConcurrency    requests one caller may have in flight
 * @param instanceRate        requests per second this instance starts, over all callers
 * @param instanceConcurrency requests in flight on this instance, over all callers
 */
@ConfigurationProperties("log-stream.limits")
public record LimitSettings(@Min(1) int tokenRate, @Min(1) int tokenBurst, @Min(1) int tokenConcurrency,
                            @Min(1) int instanceRate, @Min(1) int instanceConcurrency) {
}
