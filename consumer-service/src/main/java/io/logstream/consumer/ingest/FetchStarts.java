package io.logstream.consumer.ingest;

import java.time.Instant;
import java.util.Optional;

/**
 * With polling, when the GetRecords call behind a batch was made. KCL stamps a batch with the time its answer was
 * received ({@code cacheEntryTime}), but an empty answer says the shard was empty when Kinesis made it, which can be
 * anywhere in the call: a slow call (an engine at full CPU, a retried attempt) received at {@code R} may have been
 * answered seconds before. A shard's calls follow one another, so the call behind a batch received at {@code R} was
 * made after the shard's previous batch was received and completed by {@code R}.
 */
public interface FetchStarts {
    /** For engines that answer at once and for tests: the receive time itself, as if every call took no time. */
    FetchStarts RECEIVED = (previous, received) -> Optional.of(received);

    /**
     * @param previous when the shard's previous batch was received, or null for its first
     * @param received when this batch was received
     * @return a time at or before the start of the call behind this batch (so at or before Kinesis's answer), or
     * empty if that cannot be known (the first batch, or calls older than what is kept)
     */
    Optional<Instant> madeBy(Instant previous, Instant received);
}
