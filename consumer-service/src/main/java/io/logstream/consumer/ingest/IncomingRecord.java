package io.logstream.consumer.ingest;

import io.logstream.model.RecordCoordinates;

/** One record as it came off the stream: its bytes and where it came from. */
public record IncomingRecord(byte[] data, RecordCoordinates coordinates) {
}
