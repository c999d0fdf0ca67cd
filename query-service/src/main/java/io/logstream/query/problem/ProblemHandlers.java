package io.logstream.query.problem;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.ErrorResponseProcessorExceptionHandler;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The API's own exceptions mapped to a status; the body is rendered by {@link ProblemErrorResponseProcessor} like
 * every other error.
 */
public final class ProblemHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemHandlers.class);

    private ProblemHandlers() {
    }

    /** Exceptions written for clients: each says its status (400 for invalid parameters, 409 for missing counts). */
    @Singleton
    public static class ClientSafe extends ErrorResponseProcessorExceptionHandler<ClientSafeException> {
        public ClientSafe(ErrorResponseProcessor<?> processor) {
            super(processor);
        }

        @Override
        protected MutableHttpResponse<?> createResponse(ClientSafeException exception) {
            return HttpResponse.status(HttpStatus.valueOf(exception.status()));
        }
    }

    /** 503 with Retry-After when DynamoDB cannot be read (after the SDK's own bounded retries). */
    @Singleton
    public static class DependencyUnavailable extends ErrorResponseProcessorExceptionHandler<SdkException> {
        public DependencyUnavailable(ErrorResponseProcessor<?> processor) {
            super(processor);
        }

        @Override
        protected MutableHttpResponse<?> createResponse(SdkException exception) {
            LOG.warn("DynamoDB could not be read: {}", exception.toString());
            return HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", "1");
        }
    }
}
