package io.logstream.consumer.retry;

import java.time.Duration;

/** Waiting, behind an interface so retry tests need no real time. */
@FunctionalInterface
public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;

    Sleeper REAL = duration -> Thread.sleep(duration.toMillis());
}
