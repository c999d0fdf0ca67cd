package io.logstream.consumer.retry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** Since when each dependency has been failing, as seen by the retry loops; read by health and metrics. */
public final class DependencyHealth {
    public record Failure(Instant since, String lastError) {
    }

    private final Map<String, Failure> failing = new ConcurrentHashMap<>();
    private final Clock clock;

    public DependencyHealth(Clock clock) {
        this.clock = clock;
    }

    void failed(String dependency, Exception error) {
        String message = error.getClass().getSimpleName() + ": " + error.getMessage();
        failing.compute(dependency, (key, previous) ->
                new Failure(previous == null ? clock.instant() : previous.since(), message));
    }

    void recovered(String dependency) {
        failing.remove(dependency);
    }

    public Map<String, Failure> failing() {
        return new TreeMap<>(failing);
    }

    /** Dependencies failing for longer than {@code threshold}. */
    public Map<String, Failure> failingLongerThan(Duration threshold) {
        Instant limit = clock.instant().minus(threshold);
        Map<String, Failure> result = new TreeMap<>();
        failing.forEach((name, failure) -> {
            if (failure.since().isBefore(limit)) {
                result.put(name, failure);
            }
        });
        return result;
    }
}
