package io.logstream.consumer.core;

import io.logstream.model.RecordCoordinates;

/** One record as it came off the stream: its bytes and where it came from. */
public record IncomingRecord(byte[] data, RecordCoordinates coordinates) {
}
