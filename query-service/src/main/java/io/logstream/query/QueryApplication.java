package io.logstream.query;

import io.micronaut.runtime.Micronaut;

/** Entry point of query-service: the REST API over the logs table. */
public final class QueryApplication {
    private QueryApplication() {
    }

    public static void main(String[] args) {
        Micronaut.build(args).mainClass(QueryApplication.class).banner(false).start();
    }
}
