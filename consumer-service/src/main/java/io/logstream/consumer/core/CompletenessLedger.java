package io.logstream.consumer.core;

import java.time.Instant;
import java.util.List;

/**
 * Per shard, the Kinesis arrival time up to which every record is processed (stored, alerted or dead-lettered),
 * recorded after the checkpoint. query-service answers with the minimum over the stream's open shards. Failures to
 * record it are not the batch's: a watermark that lags only understates completeness.
 */
public interface CompletenessLedger {
    /** A worker took the shard: it counts from now on, at 0 (nothing vouched for) until it first advances. */
    void opened(String shardId);

    /** Every record of the shard that arrived at or before {@code completeUntil} is processed. */
    void advanced(String shardId, Instant completeUntil);

    /** Every stored record of the shard that arrived at or before {@code countedUntil} is in the counts. */
    default void counted(String shardId, Instant countedUntil) {
    }

    /** The shard is finished; its children start from its final watermarks. */
    void ended(String shardId, List<String> childShardIds);
}
