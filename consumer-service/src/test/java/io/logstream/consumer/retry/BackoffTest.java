package io.logstream.consumer.retry;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {
    private final Duration base = Duration.ofMillis(100);
    private final Duration max = Duration.ofSeconds(10);

    @Test
    void ceilingDoublesFromTheBaseUntilTheCap() {
        Backoff backoff = new Backoff(base, max, () -> 0.5);
        assertThat(backoff.ceilingMillis(0)).isEqualTo(100);
        assertThat(backoff.ceilingMillis(1)).isEqualTo(200);
        assertThat(backoff.ceilingMillis(6)).isEqualTo(6400);
        assertThat(backoff.ceilingMillis(7)).isEqualTo(10_000);
        assertThat(backoff.ceilingMillis(1000)).isEqualTo(10_000);
    }

    @Test
    void fullJitterSpansZeroToTheCeiling() {
        assertThat(new Backoff(base, max, () -> 0.0).delay(3)).isEqualTo(Duration.ZERO);
        assertThat(new Backoff(base, max, () -> 0.999999).delay(3)).isEqualTo(Duration.ofMillis(800));
        assertThat(new Backoff(base, max, () -> 0.5).delay(3)).isEqualTo(Duration.ofMillis(400));
    }

    @Property
    void delayIsNeverNegativeNorAboveTheCap(@ForAll @IntRange(min = 0, max = 10_000) int attempt,
                                           @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double random) {
        Duration delay = new Backoff(base, max, () -> random).delay(attempt);
        assertThat(delay).isBetween(Duration.ZERO, max);
    }

    @Test
    void rejectsANonsensicalPolicy() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, max, () -> 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(max, base, () -> 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
