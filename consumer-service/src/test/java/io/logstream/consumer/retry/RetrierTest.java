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
}
