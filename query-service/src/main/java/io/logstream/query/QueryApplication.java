package io.logstream.query;

import io.micronaut.runtime.Micronaut;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityScheme;

/** Entry point of query-service: the REST API over the logs table. */
@OpenAPIDefinition(info = @Info(title = "log-stream query API", version = "1",
        description = "The latest logs and time windows of each service, from the log-stream DynamoDB table."))
@SecurityScheme(name = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer", bearerFormat = "JWT")
public final class QueryApplication {
    private QueryApplication() {
    }

    public static void main(String[] args) {
        Micronaut.build(args).mainClass(QueryApplication.class).banner(false).start();
    }
}
