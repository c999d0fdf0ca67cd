package io.logstream.query.problem;

import io.micronaut.serde.annotation.Serdeable;

/** One rejected request parameter and why (an entry of a problem's {@code invalid-params}). */
@Serdeable
public record InvalidParameter(String name, String reason) {
}
