package io.logstream.consumer.core;

import io.logstream.model.DeadLetter;

import java.util.List;

/** Where poison records go. */
public interface DeadLetterSink {
    /** Delivers every dead letter, retrying until done: a dead letter is never dropped. */
    void send(List<DeadLetter> deadLetters);
}
