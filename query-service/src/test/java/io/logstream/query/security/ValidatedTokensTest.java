package io.logstream.query.security;

import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.token.jwt.validator.ReactiveJsonWebTokenValidator;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The validated-token cache: what it answers itself, for how long, and what it always passes on. */
class ValidatedTokensTest {
    private static final Duration TTL = Duration.ofSeconds(30);
    private final MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final Checker checker = new Checker(clock);
    private final ReactiveJsonWebTokenValidator<Object, Object> validator =
            new ValidatedTokens.Remembering<>(checker, ValidatedTokens.cache(TTL, 100, clock));

    @Test
    void anAcceptedTokenIsCheckedOnceWithinTheTtl() {
        assertThat(subject("good-a")).isEqualTo("good-a");
        clock.advance(Duration.ofSeconds(29));
        assertThat(subject("good-a")).isEqualTo("good-a");
        assertThat(checker.checked).containsExactly("good-a");

        clock.advance(Duration.ofSeconds(2)); // 31 s after it was accepted: checked again
        assertThat(subject("good-a")).isEqualTo("good-a");
        assertThat(checker.checked).containsExactly("good-a", "good-a");
    }

    @Test
    void neverPastTheTokensOwnExpiry() {
        checker.lifetime = Duration.ofSeconds(5);
        assertThat(subject("good-brief")).isEqualTo("good-brief");
        clock.advance(Duration.ofSeconds(4));
        assertThat(subject("good-brief")).isEqualTo("good-brief");
        assertThat(checker.checked).hasSize(1);

        clock.advance(Duration.ofSeconds(2)); // past exp: the checker refuses it, the cache does not answer
        assertThat(subject("good-brief")).isNull();
        assertThat(checker.checked).hasSize(2);
    }

    @Test
    void refusedTokensAreCheckedEveryTime() {
        assertThat(subject("forged")).isNull();
        assertThat(subject("forged")).isNull();
        assertThat(checker.checked).containsExactly("forged", "forged");
        assertThat(subject("good-b")).isEqualTo("good-b");
        assertThat(subject("good-b-but-longer")).isEqualTo("good-b-but-longer"); // the whole token is the key
        assertThat(checker.checked).containsExactly("forged", "forged", "good-b", "good-b-but-longer");
    }

    @Test
    void theLifetimeReadsExpInTheShapesClaimsCarry() {
        Instant now = clock.instant();
        assertThat(ValidatedTokens.lifetime(auth(Date.from(now.plusSeconds(10))), TTL, clock)).hasSeconds(10);
        assertThat(ValidatedTokens.lifetime(auth(now.getEpochSecond() + 12), TTL, clock)).hasSeconds(12);
        assertThat(ValidatedTokens.lifetime(auth(now.plusSeconds(3600)), TTL, clock)).isEqualTo(TTL);
        assertThat(ValidatedTokens.lifetime(auth(now.minusSeconds(1)), TTL, clock)).isZero();
        assertThat(ValidatedTokens.lifetime(Authentication.build("no-exp"), TTL, clock)).isEqualTo(TTL);
    }

    private String subject(String token) {
        Authentication authentication = Mono.from(validator.validateToken(token, null)).block();
        return authentication == null ? null : authentication.getName();
    }

    private static Authentication auth(Object exp) {
        return Authentication.build("s", Map.of("exp", exp));
    }

    /** Accepts tokens starting with "good" until their exp (lifetime after the first check), as the real one would. */
    private static final class Checker implements ReactiveJsonWebTokenValidator<Object, Object> {
        private final List<String> checked = new ArrayList<>();
        private final Map<String, Instant> expiries = new java.util.HashMap<>();
        private final Clock clock;
        private Duration lifetime = Duration.ofHours(1);

        Checker(Clock clock) {
            this.clock = clock;
        }

        @Override
        public Publisher<Authentication> validateToken(String token, Object request) {
            checked.add(token);
            Instant exp = expiries.computeIfAbsent(token, t -> clock.instant().plus(lifetime));
            if (!token.startsWith("good") || !clock.instant().isBefore(exp)) {
                return Mono.empty();
            }
            return Mono.just(Authentication.build(token, Map.of("exp", Date.from(exp))));
        }

        @Override
        public Publisher<Object> validate(String token, Object request) {
            return Mono.empty();
        }
    }

    private static final class MovableClock extends Clock {
        private final AtomicLong millis;

        MovableClock(Instant start) {
            this.millis = new AtomicLong(start.toEpochMilli());
        }

        void advance(Duration by) {
            millis.addAndGet(by.toMillis());
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
