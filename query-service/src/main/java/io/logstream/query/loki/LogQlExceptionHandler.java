package io.logstream.query.loki;

import io.logstream.query.logql.LogQlException;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** Loki's error shape: status 400 and the message as plain text, which Grafana and logcli show as they are. */
@Produces
@Singleton
@Requires(classes = LogQlException.class)
public class LogQlExceptionHandler implements ExceptionHandler<LogQlException, HttpResponse<String>> {
    @Override
    public HttpResponse<String> handle(HttpRequest request, LogQlException exception) {
        return HttpResponse.<String>badRequest().contentType(MediaType.TEXT_PLAIN_TYPE).body(exception.getMessage());
    }
}
