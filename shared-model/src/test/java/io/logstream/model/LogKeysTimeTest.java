package io.logstream.model;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Timestamps as RFC 3339 allows them, and the query-bound clamp. */
class LogKeysTimeTest {
    private static long millis(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void rfc3339DateTimesParseWithAnyOffsetCaseAndLeapSecond() {
        assertThat(LogKeys.parseMillis("2024-08-07T17:00:00Z")).hasValue(millis("2024-08-07T17:00:00Z"));
        assertThat(LogKeys.parseMillis("2024-08-07t17:00:00.250z")).hasValue(millis("2024-08-07T17:00:00.250Z"));
        assertThat(LogKeys.parseMillis("2024-08-07T17:00:00+02:00")).hasValue(millis("2024-08-07T15:00:00Z"));
        // java.time stops at +-18:00; RFC 3339 allows up to 23:59
        assertThat(LogKeys.parseMillis("2024-08-07T17:00:00-23:36")).hasValue(millis("2024-08-08T16:36:00Z"));
        assertThat(LogKeys.parseMillis("2016-12-31T23:59:60Z")).hasValue(millis("2017-01-01T00:00:00Z"));
        assertThat(LogKeys.parseMillis("2024-08-07T17:00:00.123456789Z")).hasValue(millis("2024-08-07T17:00:00.123Z"));
    }

    @Test
    void malformedDateTimesAreRefused() {
        for (String bad : new String[]{"2024-13-07T17:00:00Z", "2024-02-30T17:00:00Z", "2024-08-07T17:00:00",
                "2024-08-07T17:00:00+24:00", "2024-08-07T17:00:00+02:60", "2024-08-07 17:00:00Z", "yesterday", "",
                "2024-08-07T25:00:00Z", "2024-08-07T17:00:61Z"}) {
            assertThat(LogKeys.parseMillis(bad)).as(bad).isEmpty();
            assertThat(LogKeys.parseMillis(bad, true)).as(bad).isEmpty();
        }
    }

    @Test
    void dateTimesOutsideTheKeyRangeAreRefusedForRecordsAndClampedForQueryBounds() {
        assertThat(LogKeys.parseMillis("1000-08-28T05:45:50.550-23:36")).isEmpty();
        assertThat(LogKeys.parseMillis("1000-08-28T05:45:50.550-23:36", true)).hasValue(0L);
        assertThat(LogKeys.parseMillis("9999-12-31T23:59:59Z", true)).hasValue(LogKeys.MAX_TS);
        // digits are never clamped: 14 of them is a typo
        assertThat(LogKeys.parseMillis("10000000000000", true)).isEmpty();
        assertThat(LogKeys.parseMillis("9999999999999", true)).hasValue(LogKeys.MAX_TS);
    }
}
