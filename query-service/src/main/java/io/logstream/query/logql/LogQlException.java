package io.logstream.query.logql;

/** A LogQL query or Loki parameter this API refuses; answered 400 with the message as plain text, as Loki does. */
public class LogQlException extends RuntimeException {
    public LogQlException(String message) {
        super(message);
    }
}
