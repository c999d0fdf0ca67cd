package io.logstream.query.problem;

/**
 * An exception whose message was written for API clients: the problem renderer shows it as the detail. Every other
 * exception's text stays in the server log.
 */
public abstract class ClientSafeException extends RuntimeException {
    protected ClientSafeException(String message) {
        super(message, null, false, false);
    }

    /** The problem type's last path segment, e.g. {@code invalid-parameters}. */
    public abstract String problemType();

    /** The problem's title. */
    public abstract String title();

    /** The HTTP status it answers with: 400 unless the exception says otherwise. */
    public int status() {
        return 400;
    }
}
