package io.logstream.query.logs;

/** Page order: {@code backward} is newest first (the default), {@code forward} oldest first. */
public enum Direction {
    BACKWARD, FORWARD
}
