package io.logstream.query.problem;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Map;

/**
 * Renders every error response of the service as {@code application/problem+json}: the framework's (404, 405, 406,
 * 415, 401/403 from security, 500) and the API's own (400, 503), because Micronaut hands all of them to the one
 * {@link ErrorResponseProcessor} bean. The detail is either a message written for clients ({@link ClientSafeException})
 * or a fixed sentence per status; exception text, class names and stack traces go only to the server log.
 */
@Singleton
public class ProblemErrorResponseProcessor implements ErrorResponseProcessor<Problem> {
    public static final MediaType PROBLEM_JSON = MediaType.of("application/problem+json");
    private static final Logger LOG = LoggerFactory.getLogger(ProblemErrorResponseProcessor.class);
    private static final Map<Integer, String> DETAILS = Map.of(
            400, "The request is malformed",
            401, "A valid bearer token is required",
            403, "The token does not grant access to this resource",
            404, "Nothing is served at this path",
            405, "This method is not allowed on this path; the Allow header lists the allowed ones",
            406, "This resource answers with application/json; the Accept header excludes it",
            415, "This resource takes no request body of this content type",
            503, "The log store could not be read; retry later");

    @Override
    public MutableHttpResponse<Problem> processResponse(ErrorContext context, MutableHttpResponse<?> response) {
        int status = response.code();
        if (status >= 500) {
            context.getRootCause().ifPresent(cause ->
                    LOG.error("{} {} failed with {}", context.getRequest().getMethod(), context.getRequest().getPath(),
                            status, cause));
        }
        if (status == HttpStatus.UNAUTHORIZED.getCode()) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        @SuppressWarnings("unchecked")
        MutableHttpResponse<Problem> problemResponse = (MutableHttpResponse<Problem>) response;
        if (context.getRequest().getMethod() == HttpMethod.HEAD) {
            return problemResponse;
        }
        return problemResponse.body(problem(context, status)).contentType(PROBLEM_JSON);
    }

    private static Problem problem(ErrorContext context, int status) {
        String instance = context.getRequest().getPath();
        Throwable cause = context.getRootCause().orElse(null);
        if (cause instanceof ClientSafeException safe) {
            return new Problem("/problems/" + safe.problemType(), safe.title(), status, safe.getMessage(), instance,
                    safe instanceof InvalidRequestException invalid ? invalid.invalidParameters() : null);
        }
        String reason = HttpStatus.valueOf(status).getReason();
        String detail = DETAILS.getOrDefault(status, status >= 500
                ? "The request could not be completed; the error was logged" : reason);
        return new Problem("/problems/" + reason.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-"), reason,
                status, detail, instance, null);
    }
}
