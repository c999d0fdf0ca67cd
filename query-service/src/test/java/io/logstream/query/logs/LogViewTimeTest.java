package io.logstream.query.logs;

import io.logstream.model.LogKeys;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code time} is {@code Instant.toString()} of the record's millis, whatever second was formatted before it. */
class LogViewTimeTest {

    @Property
    void timeIsTheInstantsOwnText(@ForAll @LongRange(min = 0, max = LogKeys.MAX_TS) long ts,
                                  @ForAll @IntRange(min = -1500, max = 1500) int step) {
        long neighbour = Math.max(0, Math.min(LogKeys.MAX_TS, ts + step));
        assertThat(LogView.time(ts)).isEqualTo(Instant.ofEpochMilli(ts).toString());
        assertThat(LogView.time(neighbour)).isEqualTo(Instant.ofEpochMilli(neighbour).toString());
        assertThat(LogView.time(ts)).isEqualTo(Instant.ofEpochMilli(ts).toString());
    }

    @Property
    void wholeSecondsAndEdgesToo(@ForAll @LongRange(min = 0, max = LogKeys.MAX_TS / 1000) long second) {
        for (long ts : new long[]{second * 1000, second * 1000 + 1, second * 1000 + 10, second * 1000 + 999}) {
            if (ts <= LogKeys.MAX_TS) {
                assertThat(LogView.time(ts)).isEqualTo(Instant.ofEpochMilli(ts).toString());
            }
        }
    }
}
