package io.logstream.query;

import io.micronaut.runtime.Micronaut;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;

/** Entry point of query-service: the REST API over the logs table. */
@OpenAPIDefinition(info = @Info(title = "log-stream query API", version = "1",
        description = "The latest logs and time windows of each service, from the log-stream DynamoDB table."))
public final class QueryApplication {
    private QueryApplication() {
    }

    public static void main(String[] args) {
        Micronaut.build(args).mainClass(QueryApplication.class).banner(false).start();
    }
}
