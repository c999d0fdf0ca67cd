package io.logstream.query.rest;

import io.logstream.query.store.BucketTables;
import io.logstream.query.store.Catalogue;
import io.logstream.query.store.Completeness;
import io.logstream.query.store.CompletenessHeader;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.logstream.query.store.LastMinuteCounts;
import io.logstream.query.security.ServiceAccess;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /v1/services}: the catalogue the consumer keeps, limited to the services the caller's token may read.
 * Times are arrival at the consumer; {@code lastSeen} trails the newest record by up to the catalogue interval.
 */
@Controller("/v1/services")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
public class ServicesController {
    private final Catalogue catalogue;
    private final Completeness completeness;
    private final ServiceAccess access;
    private final BucketTables buckets;
    private final Clock clock;
    private final LastMinuteCounts lastMinute;

    public ServicesController(Catalogue catalogue, Completeness completeness, ServiceAccess access,
                              BucketTables buckets, Clock clock, LastMinuteCounts lastMinute) {
        this.lastMinute = lastMinute;
        this.buckets = buckets;
        this.clock = clock;
        this.catalogue = catalogue;
        this.completeness = completeness;
        this.access = access;
    }

    @Serdeable
    public record ServiceView(String service, @Schema(format = "date-time") String firstSeen,
                              @Schema(format = "date-time") String lastSeen,
                              @Schema(description = "Partition keys the service's records are written to now: 1, "
                                      + "or more for a write-sharded service (docs/scale.md)", minimum = "1")
                              int buckets,
                              @Nullable @Schema(description = "Records of the last complete minute "
                                      + "(lastCompleteMinute), from the counts; absent when the consumer keeps none",
                                      nullable = true) Long recordsLastMinute) {
    }

    /** ALWAYS: an empty catalogue is {@code "services":[]}, as the OpenAPI document requires, not an absent field. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ServiceList(List<ServiceView> services, @Schema(format = "date-time") String completeUntil,
                              @Nullable @Schema(format = "date-time", nullable = true, description = "The end of the "
                                      + "last minute the counts are complete for: recordsLastMinute counts the records "
                                      + "with lastCompleteMinute - 60 s < ts <= lastCompleteMinute")
                              String lastCompleteMinute) {
    }

    @Operation(summary = "The services with stored logs that the caller may read")
    @ApiResponse(responseCode = "200", description = "The catalogue, in name order",
            headers = @Header(name = CompletenessHeader.NAME, description = "The completeness watermark (RFC 3339)"))
    @ApiResponse(responseCode = "429", description = "The token or this instance is past its rate or concurrency "
            + "limit; retry after Retry-After seconds", headers = @Header(name = "Retry-After",
            description = "Seconds to wait before retrying"))
    @Get(produces = MediaType.APPLICATION_JSON)
    public HttpResponse<ServiceList> services(@Nullable Authentication authentication) {
        Instant completeUntil = completeness.completeUntil();
        Long minute = completeness.countedUntil()
                .map(counted -> LastMinuteCounts.lastCompleteMinute(counted.toEpochMilli())).orElse(null);
        List<ServiceView> services = catalogue.services().stream()
                .filter(entry -> access.allows(authentication, entry.name()))
                .map(entry -> new ServiceView(entry.name(), entry.firstSeen().toString(), entry.lastSeen().toString(),
                        buckets.of(entry.name()).countAt(clock.millis()),
                        minute == null ? null : lastMinute.of(entry.name(), minute)))
                .toList();
        return HttpResponse.ok(new ServiceList(services, completeUntil.toString(),
                        minute == null ? null : Instant.ofEpochMilli(minute).toString()))
                .header(CompletenessHeader.NAME, completeUntil.toString());
    }
}
