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

    /** 400, naming every invalid parameter. */
    @Singleton
    public static class InvalidRequest extends ErrorResponseProcessorExceptionHandler<InvalidRequestException> {
        public InvalidRequest(ErrorResponseProcessor<?> processor) {
            super(processor);
        }

        @Override
        protected MutableHttpResponse<?> createResponse(InvalidRequestException exception) {
            return HttpResponse.status(HttpStatus.BAD_REQUEST);
        }
    }

    /** 409: the deployment keeps no counts. */
    @Singleton
    public static class CountsUnavailable
            extends ErrorResponseProcessorExceptionHandler<io.logstream.query.counts.CountsUnavailableException> {
        public CountsUnavailable(ErrorResponseProcessor<?> processor) {
            super(processor);
        }

        @Override
        protected MutableHttpResponse<?> createResponse(io.logstream.query.counts.CountsUnavailableException exception) {
            return HttpResponse.status(HttpStatus.CONFLICT);
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
