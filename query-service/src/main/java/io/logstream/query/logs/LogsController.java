package io.logstream.query.logs;

import io.logstream.query.security.ServiceAccess;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/services/{service}/logs}: the latest logs of a service, or a time window, page by page. The DynamoDB
 * query blocks, so requests run on the blocking executor, never on the Netty event loop.
 */
@Controller("/v1/services")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
@SecurityRequirement(name = "bearer")
public class LogsController {
    private final LogQueryParser parser;
    private final LogRepository repository;
    private final CursorCodec cursors;
    private final ServiceAccess access;

    public LogsController(LogQueryParser parser, LogRepository repository, CursorCodec cursors, ServiceAccess access) {
        this.parser = parser;
        this.repository = repository;
        this.cursors = cursors;
        this.access = access;
    }

    @Operation(summary = "Logs of one service",
            description = "Without from/to: the latest `limit` records (newest first unless direction=forward). "
                    + "With from and/or to: the records of that window, bounds inclusive. Follow `nextCursor` "
                    + "(null on the last page) with the same parameters to read the rest; every record of the range "
                    + "comes exactly once, in order.")
    @ApiResponse(responseCode = "200", description = "A page of logs")
    @ApiResponse(responseCode = "400", description = "Invalid parameters, each named in invalid-params",
            content = @Content(mediaType = "application/problem+json"))
    @ApiResponse(responseCode = "401", description = "No valid bearer token",
            content = @Content(mediaType = "application/problem+json"))
    @ApiResponse(responseCode = "403", description = "The token's services claim does not include this service",
            content = @Content(mediaType = "application/problem+json"))
    @ApiResponse(responseCode = "503", description = "DynamoDB unavailable",
            content = @Content(mediaType = "application/problem+json"))
    @Get(value = "/{service}/logs", produces = MediaType.APPLICATION_JSON)
    public LogPage logs(
            @Parameter(description = "Service name: 1-128 characters of [A-Za-z0-9._:/-]") @PathVariable String service,
            @Parameter(description = "Page size, 1-1000", schema = @Schema(defaultValue = "50", minimum = "1",
                    maximum = "1000")) @QueryValue @Nullable String limit,
            @Parameter(description = "Inclusive start: RFC 3339 date-time or epoch milliseconds") @QueryValue @Nullable String from,
            @Parameter(description = "Inclusive end: RFC 3339 date-time or epoch milliseconds") @QueryValue @Nullable String to,
            @Parameter(description = "backward (newest first, default) or forward", schema = @Schema(
                    allowableValues = {"backward", "forward"})) @QueryValue @Nullable String direction,
            @Parameter(description = "Keep only these levels; repeat the parameter or separate with commas") @QueryValue @Nullable List<String> level,
            @Parameter(description = "nextCursor of the previous page") @QueryValue @Nullable String cursor,
            HttpRequest<?> request, @Parameter(hidden = true) @Nullable Authentication authentication) {
        access.check(authentication, service);
        LogQuery query = parser.parse(service, parameters(request));
        LogRepository.Slice slice = repository.find(query);
        String next = slice.nextPosition() == null ? null : cursors.encode(query, slice.nextPosition());
        return new LogPage(service, slice.records().stream().map(LogView::of).toList(), next);
    }

    private static Map<String, List<String>> parameters(HttpRequest<?> request) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        request.getParameters().forEach((name, values) -> parameters.put(name, new ArrayList<>(values)));
        return parameters;
    }
}
