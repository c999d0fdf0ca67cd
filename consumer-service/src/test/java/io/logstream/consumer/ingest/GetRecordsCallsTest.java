package io.logstream.consumer.ingest;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class GetRecordsCallsTest {
    private static final long T = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();
    private final GetRecordsCalls calls = new GetRecordsCalls(Clock.systemUTC());

    @Test
    void theEarliestStartOfTheCallsThatEndedInTheWindowIsTheAnswer() {
        calls.ended(T - 500, T - 100); // ended before the previous batch was received: not this batch's call
        calls.ended(T + 300, T + 900); // another shard's call, started earlier
        calls.ended(T + 400, T + 1000); // this shard's call
        calls.ended(T + 1200, T + 1300); // ended after this batch was received
        assertThat(calls.madeBy(Instant.ofEpochMilli(T), Instant.ofEpochMilli(T + 1000)))
                .contains(Instant.ofEpochMilli(T + 300));
    }

    @Test
    void aCallThatEndedInTheMillisecondsOfTheWindowsEdgesCounts() {
        calls.ended(T - 50, T);
        calls.ended(T + 10, T + 1000);
        assertThat(calls.madeBy(Instant.ofEpochMilli(T), Instant.ofEpochMilli(T + 1000).plusNanos(900_000)))
                .contains(Instant.ofEpochMilli(T - 50));
    }

    @Test
    void withoutAPreviousBatchOrACallInTheWindowNothingIsKnown() {
        calls.ended(T, T + 100);
        assertThat(calls.madeBy(null, Instant.ofEpochMilli(T + 100))).isEmpty();
        assertThat(calls.madeBy(Instant.ofEpochMilli(T + 200), Instant.ofEpochMilli(T + 300))).isEmpty();
    }

    @Test
    void aWindowReachingBackPastWhatWasForgottenIsNotAnswered() {
        calls.ended(T, T + 100);
        long later = T + GetRecordsCalls.KEPT.toMillis() + 1000;
        calls.ended(later - 10, later); // forgets the first call
        assertThat(calls.madeBy(Instant.ofEpochMilli(T + 50), Instant.ofEpochMilli(later)))
                .as("the first call may have been this batch's").isEqualTo(Optional.empty());
        assertThat(calls.madeBy(Instant.ofEpochMilli(later - 20), Instant.ofEpochMilli(later)))
                .contains(Instant.ofEpochMilli(later - 10));
    }
}
