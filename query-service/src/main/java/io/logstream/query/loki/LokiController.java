package io.logstream.query.loki;

import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.query.config.ReadSettings;
import io.logstream.query.ledger.Catalogue;
import io.logstream.query.ledger.Completeness;
import io.logstream.query.ledger.CompletenessHeader;
import io.logstream.query.logs.Direction;
import io.logstream.query.logs.LogView;
import io.logstream.query.logs.ReadBudget;
import io.logstream.query.logs.ReadBudgets;
import io.logstream.query.security.ServiceAccess;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.json.JsonMapper;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.swagger.v3.oas.annotations.Hidden;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A subset of Loki's HTTP API over the logs table, so that Grafana's Loki data source and {@code logcli} read
 * log-stream without a plugin (docs/loki.md). Same authentication and service access as the REST API. Bad queries and
 * parameters are 400 with a plain-text message, as Loki answers them. Every read carries {@code X-Complete-Until}.
 * Documented by Loki's own API reference rather than this service's OpenAPI document.
 */
@Hidden
@Controller
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
public class LokiController {
    private static final long NANOS_PER_HOUR = Duration.ofHours(1).toNanos();
    private static final List<String> LABELS = List.of("host", "level", "service");

    private final SelectorReader reader;
    private final Catalogue catalogue;
    private final Completeness completeness;
    private final ServiceAccess access;
    private final JsonMapper json;
    private final Clock clock;
    private final ReadSettings settings;
    private final ReadBudgets budgets;

    public LokiController(SelectorReader reader, Catalogue catalogue, Completeness completeness, ServiceAccess access,
                          JsonMapper json, Clock clock, ReadSettings settings, ReadBudgets budgets) {
        this.budgets = budgets;
        this.reader = reader;
        this.catalogue = catalogue;
        this.completeness = completeness;
        this.access = access;
        this.json = json;
        this.clock = clock;
        this.settings = settings;
    }

    @Get(value = "/loki/api/v1/query_range", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<Map<String, Object>> queryRange(HttpRequest<?> request, @Nullable Authentication auth) {
        long end = LokiTime.nanos("end", param(request, "end"), nowNanos());
        long start = LokiTime.nanos("start", param(request, "start"), end - sinceNanos(request));
        return logQuery(request, auth, start, end);
    }

    /**
     * An instant log query reads back from {@code time} over {@code since} (default 1 h). The query
     * {@code vector(1)+vector(1)}, which Grafana sends to test a data source, is answered as Loki would.
     */
    @Get(value = "/loki/api/v1/query", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<Map<String, Object>> query(HttpRequest<?> request, @Nullable Authentication auth) {
        long time = LokiTime.nanos("time", param(request, "time"), nowNanos());
        if ("vector(1)+vector(1)".equals(String.valueOf(param(request, "query")).replace(" ", ""))) {
            Map<String, Object> sample = Map.of("metric", Map.of(), "value",
                    List.of(time / 1e9, "2"));
            return withWatermark(success(Map.of("resultType", "vector", "result", List.of(sample))), completeness.completeUntil());
        }
        return logQuery(request, auth, time - sinceNanos(request), time + 1);
    }

    @Get(value = "/loki/api/v1/labels", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<Map<String, Object>> labels() {
        return withWatermark(success(LABELS), completeness.completeUntil());
    }

    /** Label values: services and hosts from the catalogue (of the services the token may read), the six levels. */
    @Get(value = "/loki/api/v1/label/{name}/values", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<Map<String, Object>> labelValues(@PathVariable String name, HttpRequest<?> request,
                                                         @Nullable Authentication auth) {
        Instant watermark = completeness.completeUntil();
        String query = param(request, "query");
        if (query != null) {
            access.checkReadsAnything(auth);
        }
        Set<String> scope = query == null ? null : new TreeSet<>(reader.services(LogQl.parseSelector(query), auth));
        Set<String> values = new TreeSet<>();
        switch (name) {
            case "service" -> catalogue.services().stream().map(Catalogue.Entry::name)
                    .filter(s -> access.allows(auth, s) && (scope == null || scope.contains(s))).forEach(values::add);
            case "host" -> catalogue.hosts().forEach(entry -> {
                int split = entry.name().indexOf('#');
                String service = entry.name().substring(0, split);
                if (access.allows(auth, service) && (scope == null || scope.contains(service))) {
                    values.add(entry.name().substring(split + 1));
                }
            });
            case "level" -> {
                for (LogLevel level : LogLevel.values()) {
                    values.add(level.name());
                }
            }
            default -> {
                // no other label exists: no values, as Loki answers for an unknown label
            }
        }
        return withWatermark(success(List.copyOf(values)), watermark);
    }

    /** The label sets with records in the window, from a bounded read of the matching services. */
    @Get(value = "/loki/api/v1/series", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<Map<String, Object>> series(HttpRequest<?> request, @Nullable Authentication auth) {
        Instant watermark = completeness.completeUntil();
        long end = LokiTime.nanos("end", param(request, "end"), nowNanos());
        long start = LokiTime.nanos("start", param(request, "start"), end - sinceNanos(request));
        List<String> selectors = request.getParameters().getAll("match[]");
        if (selectors.isEmpty()) {
            selectors = request.getParameters().getAll("match");
        }
        if (selectors.isEmpty()) {
            selectors = List.of("{}");
        }
        if (selectors.size() > settings.maxSelectors()) {
            throw new LogQlException("at most " + settings.maxSelectors() + " match[] selectors per request, got "
                    + selectors.size());
        }
        access.checkReadsAnything(auth);
        List<List<LogQl.Matcher>> parsed = selectors.stream().map(LogQl::parseSelector).toList();
        Set<Map<String, String>> series = new LinkedHashSet<>();
        boolean capped = false;
        ReadBudget budget = budgets.start();
        for (List<LogQl.Matcher> matchers : parsed) {
            SelectorReader.Result result = reader.read(reader.services(matchers, auth), SelectorReader.levels(matchers),
                    LokiTime.fromMillis(start), LokiTime.toMillis(end), Direction.BACKWARD, settings.lokiMaxEntries(),
                    SelectorReader.hostFilter(matchers), budget);
            capped |= result.records().size() == settings.lokiMaxEntries();
            result.records().forEach(record -> series.add(labelsOf(record)));
            if (result.truncated()) {
                break;
            }
        }
        Map<String, Object> body = success(new ArrayList<>(series));
        List<String> warnings = new ArrayList<>();
        if (capped) {
            warnings.add("series were collected from the newest " + settings.lokiMaxEntries()
                    + " records of each selector; narrow the window for all of them");
        }
        if (budget.exhausted() != null) {
            warnings.add(budgetWarning(budget));
        }
        if (!warnings.isEmpty()) {
            body.put("warnings", warnings);
        }
        return withWatermark(body, watermark);
    }

    @Get(value = "/ready", produces = MediaType.TEXT_PLAIN)
    public String ready() {
        return "ready";
    }

    @Get(value = "/loki/api/v1/status/buildinfo", produces = MediaType.APPLICATION_JSON)
    public Map<String, String> buildInfo() {
        String version = LokiController.class.getPackage().getImplementationVersion();
        return Map.of("version", version == null ? "0.1.0" : version, "revision", "", "branch", "log-stream",
                "buildUser", "", "buildDate", "", "goVersion", "");
    }

    private HttpResponse<Map<String, Object>> logQuery(HttpRequest<?> request, @Nullable Authentication auth,
                                                      long startNanos, long endNanos) {
        long began = System.nanoTime();
        // the cheap checks and the access check come before parsing (which compiles regular expressions)
        int limit = limit(param(request, "limit"));
        Direction direction = direction(param(request, "direction"));
        if (endNanos <= startNanos) {
            throw new LogQlException("end timestamp must not be before or equal to start time");
        }
        access.checkReadsAnything(auth);
        LogQl.Query query = LogQl.parse(param(request, "query"));
        Instant watermark = completeness.completeUntil(); // before the read: what it vouches for is in the read
        ReadBudget budget = budgets.start();
        SelectorReader.Result result = reader.read(reader.services(query.matchers(), auth),
                SelectorReader.levels(query.matchers()), LokiTime.fromMillis(startNanos), LokiTime.toMillis(endNanos),
                direction, limit, filter(query), budget);

        List<Map<String, Object>> resultStreams = streams(result.records());
        long bytes = 0;
        for (Map<String, Object> stream : resultStreams) {
            for (Object value : (List<?>) stream.get("values")) {
                bytes += ((String) ((List<?>) value).get(1)).getBytes(StandardCharsets.UTF_8).length;
            }
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("execTime", seconds);
        summary.put("queueTime", 0);
        summary.put("totalEntriesReturned", result.records().size());
        summary.put("totalLinesProcessed", result.recordsRead());
        summary.put("totalBytesProcessed", bytes);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("resultType", "streams");
        data.put("result", resultStreams);
        data.put("stats", Map.of("summary", summary));
        Map<String, Object> body = success(data);
        if (result.truncated()) {
            body.put("warnings", List.of(budgetWarning(budget)));
        }
        return withWatermark(body, watermark);
    }

    private static String budgetWarning(ReadBudget budget) {
        return (budget.exhausted() == ReadBudget.Cause.DEADLINE ? "the answer stopped at the request deadline"
                : "the answer stopped after " + budget.maxPages() + " DynamoDB pages")
                + "; it holds the first records in order, narrow the query or the window for the rest";
    }

    /** The query's host matchers and line filters; a line is rendered only when there are line filters. */
    Predicate<LogRecord> filter(LogQl.Query query) {
        Predicate<LogRecord> hosts = SelectorReader.hostFilter(query.matchers());
        return query.filters().isEmpty() ? hosts : hosts.and(record -> query.lineMatches(line(record)));
    }

    /** The line Loki clients show: the message, or the whole record as JSON (log-stream.reads.loki-line). */
    String line(LogRecord record) {
        if (settings.lokiLine() == ReadSettings.LokiLine.MESSAGE) {
            return record.message();
        }
        try {
            return json.writeValueAsString(LogView.of(record));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Records as Loki streams: one per label set, in first-seen order, each keeping the records' order. */
    List<Map<String, Object>> streams(List<LogRecord> records) {
        Map<Map<String, String>, List<List<String>>> streams = new LinkedHashMap<>();
        for (LogRecord record : records) {
            streams.computeIfAbsent(labelsOf(record), labels -> new ArrayList<>())
                    .add(List.of(LokiTime.nanosText(record.ts()), line(record)));
        }
        List<Map<String, Object>> result = new ArrayList<>();
        streams.forEach((labels, values) -> result.add(Map.of("stream", labels, "values", values)));
        return result;
    }

    static Map<String, String> labelsOf(LogRecord record) {
        Map<String, String> labels = new TreeMap<>();
        if (record.host() != null && !record.host().isEmpty()) {
            labels.put("host", record.host());
        }
        labels.put("level", record.level().name());
        labels.put("service", record.service());
        return labels;
    }

    private int limit(String value) {
        return limit(value, settings.lokiMaxEntries());
    }

    /** Loki's {@code limit}: default 100, 1 to {@code max}. */
    static int limit(String value, int max) {
        if (value == null || value.isBlank()) {
            return 100;
        }
        int limit;
        try {
            limit = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new LogQlException("invalid limit: not an integer");
        }
        if (limit <= 0) {
            throw new LogQlException("limit must be a positive value");
        }
        if (limit > max) {
            throw new LogQlException("max entries limit per query exceeded, limit > max_entries_limit (" + limit
                    + " > " + max + ")");
        }
        return limit;
    }

    private static Direction direction(String value) {
        if (value == null || value.isBlank()) {
            return Direction.BACKWARD;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "backward" -> Direction.BACKWARD;
            case "forward" -> Direction.FORWARD;
            default -> throw new LogQlException("invalid direction: expected forward or backward");
        };
    }

    private long sinceNanos(HttpRequest<?> request) {
        String since = param(request, "since");
        if (since == null || since.isBlank()) {
            return NANOS_PER_HOUR;
        }
        try {
            return Math.min(LokiTime.MAX_NANOS, PromDuration.nanos(since.trim()));
        } catch (IllegalArgumentException e) {
            throw new LogQlException("invalid since: " + e.getMessage());
        } catch (ArithmeticException e) {
            throw new LogQlException("invalid since: out of range");
        }
    }

    private long nowNanos() {
        return clock.millis() * 1_000_000L;
    }

    private static String param(HttpRequest<?> request, String name) {
        return request.getParameters().get(name);
    }

    private static Map<String, Object> success(Object data) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "success");
        body.put("data", data);
        return body;
    }

    private static MutableHttpResponse<Map<String, Object>> withWatermark(Map<String, Object> body, Instant watermark) {
        return HttpResponse.ok(body).header(CompletenessHeader.NAME, watermark.toString());
    }
}
