package io.logstream.consumer.core;

import io.logstream.model.ParseOutcome;
import io.logstream.model.RecordCoordinates;

/** Turns a record's bytes into a log record or a poison verdict ({@code LogRecordParser::parse} in production). */
@FunctionalInterface
public interface RecordParser {
    ParseOutcome parse(byte[] payload, RecordCoordinates coordinates);
}
