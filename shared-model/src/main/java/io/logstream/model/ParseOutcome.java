package io.logstream.model;

/** The result of turning one Kinesis record into a {@link LogRecord}: either a record or a reason it is poison. */
public sealed interface ParseOutcome {

    record Parsed(LogRecord record) implements ParseOutcome {
    }

    record Poison(PoisonReason reason, String error) implements ParseOutcome {
    }
}
