package io.logstream.query.logs;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/** Problems as {@code application/problem+json}: 400 for bad parameters, 503 when DynamoDB cannot be read. */
public final class ProblemHandlers {
    static final MediaType PROBLEM_JSON = MediaType.of("application/problem+json");
    private static final Logger LOG = LoggerFactory.getLogger(ProblemHandlers.class);

    private ProblemHandlers() {
    }

    static MutableHttpResponse<Problem> respond(HttpStatus status, Problem problem) {
        return HttpResponse.<Problem>status(status).body(problem).contentType(PROBLEM_JSON);
    }

    @Singleton
    @Produces("application/problem+json")
    public static class InvalidRequest implements ExceptionHandler<InvalidRequestException, HttpResponse<Problem>> {
        @Override
        public HttpResponse<Problem> handle(HttpRequest request, InvalidRequestException exception) {
            return respond(HttpStatus.BAD_REQUEST, new Problem("/problems/invalid-parameters",
                    "Invalid request parameters", 400, exception.getMessage(), request.getPath(),
                    exception.invalidParameters()));
        }
    }

    @Singleton
    @Produces("application/problem+json")
    public static class DependencyUnavailable implements ExceptionHandler<SdkException, HttpResponse<Problem>> {
        @Override
        public HttpResponse<Problem> handle(HttpRequest request, SdkException exception) {
            LOG.warn("DynamoDB query failed for {}: {}", request.getPath(), exception.toString());
            return respond(HttpStatus.SERVICE_UNAVAILABLE, new Problem("/problems/dependency-unavailable",
                    "Log store unavailable", 503, "DynamoDB could not be read; retry later", request.getPath(), null))
                    .header("Retry-After", "1");
        }
    }
}
