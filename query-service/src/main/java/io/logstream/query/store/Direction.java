package io.logstream.query.store;

/** Page order: {@code backward} is newest first (the default), {@code forward} oldest first. */
public enum Direction {
    BACKWARD, FORWARD
}
