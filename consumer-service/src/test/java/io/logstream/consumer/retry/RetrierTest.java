package io.logstream.consumer.retry;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetrierTest {
    private final List<Duration> slept = new ArrayList<>();
    private final List<String> retried = new ArrayList<>();
    private final DependencyHealth health = new DependencyHealth(Clock.systemUTC());
    private final Retrier retrier = new Retrier(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.5),
            slept::add, health, retried::add);

    @Test
    void failuresWaitLongerEachTimeAndAreVisibleUntilSuccess() {
        Retrier.Loop loop = retrier.loop("dynamodb");
        loop.failed(new RuntimeException("down"));
        loop.failed(new RuntimeException("still down"));
        loop.failed(new RuntimeException("still down"));
        assertThat(slept).containsExactly(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200));
        assertThat(retried).containsExactly("dynamodb", "dynamodb", "dynamodb");
        assertThat(loop.failures()).isEqualTo(3);
        assertThat(health.failing()).containsKey("dynamodb");
        assertThat(health.failing().get("dynamodb").lastError()).contains("still down");
        loop.succeeded();
        assertThat(health.failing()).isEmpty();
    }

    @Test
    void abortEndsEveryRetryLoop() {
        Retrier.Loop loop = retrier.loop("eventbridge");
        retrier.abort();
        assertThatThrownBy(() -> loop.failed(new RuntimeException("down")))
                .isInstanceOf(RetryAbortedException.class).hasMessageContaining("eventbridge");
        assertThat(slept).isEmpty();
    }

    @Test
    void partialProgressAlsoBacksOff() {
        Retrier.Loop loop = retrier.loop("sqs");
        loop.partlyDone();
        loop.partlyDone();
        assertThat(slept).hasSize(2);
        assertThat(health.failing()).isEmpty();
    }

    @Test
    void resendSendsOnlyWhatEachAttemptLeftUntilNothingIsLeft() {
        List<List<String>> attempts = new ArrayList<>();
        List<String> left = retrier.resend("sqs", List.of("a", "b", "c"), pending -> {
            attempts.add(pending);
            return pending.size() > 1 ? pending.subList(1, pending.size()) : List.of();
        }, error -> true, 0);
        assertThat(left).isEmpty();
        assertThat(attempts).containsExactly(List.of("a", "b", "c"), List.of("b", "c"), List.of("c"));
        assertThat(slept).hasSize(2);
    }

    @Test
    void resendRetriesWhatTheCallerCallsRetryableAndGivesUpAfterTheAttemptsAllowed() {
        int[] calls = {0};
        List<String> left = retrier.resend("eventbridge", List.of("x"), pending -> {
            calls[0]++;
            throw new IllegalStateException("throttled");
        }, IllegalStateException.class::isInstance, 3);
        assertThat(left).containsExactly("x");
        assertThat(calls[0]).isEqualTo(3);
        assertThat(slept).hasSize(2);
        assertThat(health.failing()).containsKey("eventbridge");
    }

    @Test
    void aFailureTheCallerDoesNotRetryPropagatesAtOnce() {
        assertThatThrownBy(() -> retrier.call("dynamodb", () -> {
            throw new IllegalArgumentException("validation");
        }, IllegalStateException.class::isInstance)).isInstanceOf(IllegalArgumentException.class);
        assertThat(slept).isEmpty();
    }
}
