package io.logstream.model;

import java.time.Instant;
import java.util.Objects;

/** Where a record sits in the stream: enough to find it again, to dead-letter it and to derive its id. */
public record RecordCoordinates(String stream, String shardId, String sequenceNumber, long subSequenceNumber,
                                Instant arrivalTime) {
    public RecordCoordinates {
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(sequenceNumber, "sequenceNumber");
        Objects.requireNonNull(arrivalTime, "arrivalTime");
    }
}
