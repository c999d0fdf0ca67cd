package io.logstream.consumer.core;

import io.logstream.model.Retention;

import java.util.function.Supplier;

/** The retention rules in force ({@link Retention}): the records' and counts' TTLs are written from them. */
public interface RetentionSource extends Supplier<Retention> {
}
