package io.logstream.query.loki;

import io.logstream.query.logql.LogQl;

import io.logstream.query.config.ReadSettings;
import io.logstream.query.store.Completeness;
import io.logstream.query.store.CompletenessHeader;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpParameters;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.swagger.v3.oas.annotations.Hidden;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A subset of Loki's HTTP API over the logs table, so that Grafana's Loki data source and Loki clients read
 * log-stream without a plugin (docs/loki.md). Same authentication and service access as the REST API. Bad queries and
 * parameters are 400 with a plain-text message, as Loki answers them. Every read carries {@code X-Complete-Until},
 * read before the data so that what it vouches for is in the answer. The handlers only parse ({@link LokiParams})
 * and delegate ({@link LokiReads}). Grafana's {@code X-Loki-Response-Encoding-Flags: categorize-labels} splits a
 * log query's labels into stream labels, structured metadata and parsed labels, as Loki does, and the answer says so in
 * {@code encodingFlags}.
 */
@Hidden
@Controller("/loki/api/v1")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
public class LokiController {
    private final LokiReads reads;
    private final Completeness completeness;
    private final Clock clock;
    private final ReadSettings settings;

    public LokiController(LokiReads reads, Completeness completeness, Clock clock, ReadSettings settings) {
        this.reads = reads;
        this.completeness = completeness;
        this.clock = clock;
        this.settings = settings;
    }

    @Get(value = "/query_range", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<LokiResponses.Success<?>> queryRange(HttpRequest<?> request, @Nullable Authentication auth) {
        LokiParams.Range range = LokiParams.range(request.getParameters(), nowNanos(), settings.lokiMaxEntries());
        return answer(range, false, auth, categorize(request));
    }

    private static boolean categorize(HttpRequest<?> request) {
        return request.getHeaders().getAll("X-Loki-Response-Encoding-Flags").stream()
                .flatMap(value -> java.util.Arrays.stream(value.split(",")))
                .anyMatch(flag -> flag.strip().equals(LokiEncoder.CATEGORIZE_LABELS));
    }

    /** An instant query: a metric query at {@code time}, a log query back from it over {@code since}. */
    @Get(value = "/query", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<LokiResponses.Success<?>> query(HttpRequest<?> request, @Nullable Authentication auth) {
        LokiParams.Range range = LokiParams.instant(request.getParameters(), nowNanos(), settings.lokiMaxEntries());
        return answer(range, true, auth, categorize(request));
    }

    /** A metric query also says how far its counts are complete; the query is parsed once, here. */
    private HttpResponse<LokiResponses.Success<?>> answer(LokiParams.Range range, boolean instant,
                                                          @Nullable Authentication auth, boolean categorize) {
        LogQl.Statement statement = reads.parse(range, auth);
        return statement instanceof LogQl.Expr ? countedAndWatermarked(() -> reads.query(range, statement, instant, auth))
                : watermarked(() -> reads.query(range, statement, instant, auth, categorize));
    }

    @Get(value = "/labels", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<LokiResponses.Success<List<String>>> labels() {
        return watermarked(reads::labels);
    }

    @Get(value = "/label/{name}/values", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<LokiResponses.Success<List<String>>> labelValues(@PathVariable String name,
                                                                          HttpRequest<?> request,
                                                                          @Nullable Authentication auth) {
        String query = request.getParameters().get("query");
        return watermarked(() -> reads.labelValues(name, query, auth));
    }

    @Get(value = "/series", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<LokiResponses.Success<List<Map<String, String>>>> series(HttpRequest<?> request,
                                                                                 @Nullable Authentication auth) {
        LokiParams.SeriesRange range = LokiParams.series(request.getParameters(), nowNanos(), settings.maxSelectors());
        return watermarked(() -> reads.series(range, auth));
    }

    /** What Grafana shows as the size of a query before it runs it. */
    @Get(value = "/index/stats", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<LokiResponses.IndexStats> indexStats(HttpRequest<?> request, @Nullable Authentication auth) {
        LokiParams.Range range = LokiParams.window(request.getParameters(), nowNanos());
        return watermarked(() -> reads.stats(range, auth));
    }

    @Get(value = "/index/volume", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<LokiResponses.Success<?>> volume(HttpRequest<?> request, @Nullable Authentication auth) {
        return volume(request, auth, false);
    }

    @Get(value = "/index/volume_range", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<LokiResponses.Success<?>> volumeRange(HttpRequest<?> request, @Nullable Authentication auth) {
        return volume(request, auth, true);
    }

    private HttpResponse<LokiResponses.Success<?>> volume(HttpRequest<?> request, @Nullable Authentication auth,
                                                          boolean overRange) {
        HttpParameters p = request.getParameters();
        LokiParams.Range range = LokiParams.window(p, nowNanos());
        int limit = LokiParams.limit(p.get("limit"), settings.lokiMaxEntries());
        return countedAndWatermarked(() -> reads.volume(range, p.get("targetLabels"), limit, overRange, auth));
    }

    @Get(value = "/detected_fields", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<LokiResponses.DetectedFields> detectedFields(HttpRequest<?> request,
                                                                     @Nullable Authentication auth) {
        LokiParams.Range range = LokiParams.window(request.getParameters(), nowNanos());
        int limit = LokiParams.limit(request.getParameters().get("limit"), settings.lokiMaxEntries());
        return watermarked(() -> reads.detectedFields(range, limit, auth));
    }

    @Get(value = "/detected_field/{name}/values", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<LokiResponses.FieldValues> detectedFieldValues(@PathVariable String name,
                                                                       HttpRequest<?> request,
                                                                       @Nullable Authentication auth) {
        LokiParams.Range range = LokiParams.window(request.getParameters(), nowNanos());
        int limit = LokiParams.limit(request.getParameters().get("limit"), settings.lokiMaxEntries());
        return watermarked(() -> reads.fieldValues(name, range, limit, auth));
    }

    @Get(value = "/detected_labels", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<LokiResponses.DetectedLabels> detectedLabels(HttpRequest<?> request,
                                                                     @Nullable Authentication auth) {
        String query = request.getParameters().get("query");
        return watermarked(() -> reads.detectedLabels(query, auth));
    }

    /** Log patterns: log-stream detects none, so the answer is always an empty list. */
    @Get(value = "/patterns", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<LokiResponses.Success<List<LokiResponses.Pattern>>> patterns() {
        return watermarked(() -> LokiResponses.Success.of(List.of()));
    }

    /** What Grafana's Logs Drilldown may ask for: no patterns, volumes on, the entry limit. */
    @Get(value = "/drilldown-limits", produces = MediaType.APPLICATION_JSON)
    public LokiResponses.DrilldownLimits drilldownLimits() {
        return new LokiResponses.DrilldownLimits(new LokiResponses.Limits(true, List.of("level"),
                settings.lokiMaxEntries(), true, false, settings.deadline().toSeconds() + "s"), false, version());
    }

    @Get(value = "/status/buildinfo", produces = MediaType.APPLICATION_JSON)
    public LokiResponses.BuildInfo buildInfo() {
        return new LokiResponses.BuildInfo(version(), "", "log-stream", "", "", "");
    }

    private static String version() {
        String version = LokiController.class.getPackage().getImplementationVersion();
        return version == null ? "0.1.0" : version;
    }

    private long nowNanos() {
        return clock.millis() * 1_000_000L;
    }

    /** A read that may be answered from the counts: its watermark is also never past the counts'. */
    private <T> HttpResponse<T> countedAndWatermarked(Supplier<T> read) {
        return HttpResponse.ok(read.get()).header(CompletenessHeader.NAME,
                completeness.countedAndCompleteUntil().toString());
    }

    private <T> HttpResponse<T> watermarked(Supplier<T> read) {
        Instant watermark = completeness.completeUntil();
        return HttpResponse.ok(read.get()).header(CompletenessHeader.NAME, watermark.toString());
    }
}
