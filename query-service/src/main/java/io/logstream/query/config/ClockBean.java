package io.logstream.query.config;

import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

import java.time.Clock;

/** The clock the reads measure time with (replaceable in tests). */
@Factory
public class ClockBean {
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
