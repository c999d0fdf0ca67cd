package io.logstream.query.rest;

import io.logstream.query.store.CountReader;
import io.logstream.query.store.CountsUnavailableException;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.logstream.model.Counts;
import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.query.store.Completeness;
import io.logstream.query.store.CompletenessHeader;
import io.logstream.query.store.ReadBudgets;
import io.logstream.query.problem.InvalidParameter;
import io.logstream.query.problem.InvalidRequestException;
import io.logstream.query.security.ServiceAccess;
import io.micronaut.core.annotation.Nullable;
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
import io.micronaut.serde.annotation.Serdeable;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /v1/services/{service}/volume}: a service's records and bytes per step and level, from the consumer's
 * counts, exact. Point t counts the records with {@code t - step < ts <= t}; points run from {@code from + step} to
 * {@code to} ({@code from} moved down to a whole minute). Documented in {@code src/main/openapi/logs.yml}.
 */
@Controller("/v1/services")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
public class VolumeController {
    /** As many points as Loki answers in one range query. */
    public static final int MAX_POINTS = 11_000;
    private static final Set<String> KNOWN = Set.of("from", "to", "step", "level");
    private static final Pattern STEP = Pattern.compile("([1-9][0-9]{0,4})([mh])");
    private static final long HOUR = 3_600_000;

    private final CountReader counts;
    private final Completeness completeness;
    private final ServiceAccess access;
    private final ReadBudgets budgets;
    private final Clock clock;

    public VolumeController(CountReader counts, Completeness completeness, ServiceAccess access, ReadBudgets budgets,
                            Clock clock) {
        this.counts = counts;
        this.completeness = completeness;
        this.access = access;
        this.budgets = budgets;
        this.clock = clock;
    }

    /** One step: its end, and per level the records and bytes in it (levels without records left out). ALWAYS: an
     * empty step is {@code "records":{}}, as the OpenAPI document requires. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Point(String end, Map<String, Long> records, Map<String, Long> bytes) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Volume(String service, String from, String to, String step, String completeUntil,
                         List<Point> points) {
    }

    @Get(value = "/{service}/volume", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<Volume> volume(@PathVariable String service, HttpRequest<?> request,
                                       @Nullable Authentication authentication) {
        access.check(authentication, service);
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        request.getParameters().forEach((name, values) -> parameters.put(name, new ArrayList<>(values)));
        List<InvalidParameter> problems = new ArrayList<>();
        parameters.keySet().stream().filter(name -> !KNOWN.contains(name)).sorted().forEach(name ->
                problems.add(new InvalidParameter(name, "unknown parameter; known are from, level, step, to")));
        if (!LogKeys.isValidName(service)) {
            problems.add(new InvalidParameter("service", "must be 1-128 characters of [A-Za-z0-9._:/-]"));
        }
        long step = Counts.MINUTE_MILLIS;
        String stepText = LogQueryParser.single(parameters, "step", problems);
        if (stepText != null) {
            Matcher m = STEP.matcher(stepText);
            if (m.matches()) {
                step = Long.parseLong(m.group(1)) * (m.group(2).equals("h") ? HOUR : Counts.MINUTE_MILLIS);
            } else {
                problems.add(new InvalidParameter("step", "must be whole minutes or hours, as 1m, 15m or 1h; got '"
                        + LogQueryParser.abbreviate(stepText) + "'"));
            }
        }
        Long toParam = LogQueryParser.instant("to", LogQueryParser.single(parameters, "to", problems), problems);
        Long fromParam = LogQueryParser.instant("from", LogQueryParser.single(parameters, "from", problems), problems);
        Set<LogLevel> levels = LogQueryParser.levels(parameters, problems);
        long to = toParam != null ? toParam : Math.floorDiv(clock.millis(), Counts.MINUTE_MILLIS) * Counts.MINUTE_MILLIS;
        long from = Math.floorDiv(fromParam != null ? fromParam : to - HOUR, Counts.MINUTE_MILLIS)
                * Counts.MINUTE_MILLIS;
        if (fromParam != null && toParam != null && fromParam > toParam) {
            problems.add(new InvalidParameter("from", "must not be after 'to'"));
        } else if ((to - from) / step > MAX_POINTS) {
            problems.add(new InvalidParameter("step", "gives " + (to - from) / step + " points, more than "
                    + MAX_POINTS + "; widen the step or narrow the window"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        Instant watermark = completeness.completeUntil();
        Instant counted = completeness.countedUntil().orElseThrow(CountsUnavailableException::new);
        Instant completeUntil = counted.isBefore(watermark) ? counted : watermark;
        int points = (int) Math.max(0, (to - from) / step); // a from after a defaulted to: no points
        List<Point> out = new ArrayList<>(points);
        if (points > 0) {
            CountReader.Span span = new CountReader.Span(from + Counts.MINUTE_MILLIS, from + points * step);
            List<CountReader.Series> series;
            try {
                series = counts.read(List.of(service), levels.isEmpty() ? EnumSet.allOf(LogLevel.class) : levels,
                        null, false, span, budgets.start());
            } catch (CountReader.BudgetSpent e) {
                throw new InvalidRequestException(List.of(new InvalidParameter("from", "the window needs more "
                        + "DynamoDB pages of counts than one request may read; narrow it")));
            }
            for (int p = 0; p < points; p++) {
                Map<String, Long> records = new TreeMap<>();
                Map<String, Long> bytes = new TreeMap<>();
                for (CountReader.Series one : series) {
                    long[] window = one.between(from + p * step, from + (p + 1) * step);
                    if (window[0] > 0) {
                        records.merge(one.labels().get("level"), window[0], Long::sum);
                        bytes.merge(one.labels().get("level"), window[1], Long::sum);
                    }
                }
                out.add(new Point(Instant.ofEpochMilli(from + (p + 1) * step).toString(), records, bytes));
            }
        }
        Volume volume = new Volume(service, Instant.ofEpochMilli(from).toString(), Instant.ofEpochMilli(to).toString(),
                stepText != null ? stepText : "1m", completeUntil.toString(), out);
        return HttpResponse.ok(volume).header(CompletenessHeader.NAME, completeUntil.toString());
    }
}
