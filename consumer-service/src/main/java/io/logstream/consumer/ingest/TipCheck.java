package io.logstream.consumer.ingest;

import java.time.Instant;
import java.util.Optional;

/**
 * Whether a shard has nothing after a position, asked of Kinesis itself, and when it answered. With enhanced fan-out
 * an empty event says nothing about <em>when</em> the shard was empty: an event can wait in the connection's buffers
 * behind slow work for as long as the work takes, and its emptiness is then old news (the fan-out chaos run vouched
 * for 4,128 unstored records on KCL's receive stamp). A request-response call is answered after it is asked, so the time it was asked is a safe bound.
 */
public interface TipCheck {
    /** Polling: no check is made; an empty batch's own GetRecords call answers it ({@link FetchStarts}). */
    TipCheck NONE = (shardId, after, startedAt) -> Optional.empty();

    /**
     * @param after     the last sequence number processed, or the sentinel the shard started from ({@code TRIM_HORIZON},
     *                  {@code LATEST}, {@code AT_TIMESTAMP})
     * @param startedAt when the processor started, the position a {@code LATEST} or {@code AT_TIMESTAMP} start stands for
     * @return when Kinesis was asked, if it answered that the open shard has no record after {@code after} (the
     * answer was made after that, however late it arrived); empty if it has one, has ended, or did not answer
     */
    Optional<Instant> emptyAfter(String shardId, String after, Instant startedAt);
}
