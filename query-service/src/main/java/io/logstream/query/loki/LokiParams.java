package io.logstream.query.loki;

import io.logstream.query.logql.LogQlException;
import io.logstream.query.logql.PromDuration;

import io.logstream.query.store.Direction;
import io.micronaut.http.HttpParameters;

import java.util.List;
import java.util.Locale;

/**
 * Loki's request parameters parsed and checked, as Loki's own {@code loghttp} does, into typed requests. A bad
 * parameter is a {@link LogQlException} (400, plain text, as Loki answers it).
 */
public final class LokiParams {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long NANOS_PER_HOUR = 3_600 * NANOS_PER_SECOND;
    /** Loki's limit on the points of one series in a range query. */
    static final long MAX_POINTS = 11_000;
    private static final long MAX_DELAY_FOR_SECONDS = 5;

    private LokiParams() {
    }

    /** A query over [{@code start}, {@code end}) in epoch nanoseconds; {@code step} for a range metric query. */
    public record Range(String query, long start, long end, int limit, Direction direction, long step) {
    }

    /** {@code series}: selectors, and the window. */
    public record SeriesRange(List<String> selectors, long start, long end) {
    }

    /** A tail: its query, where it starts (epoch millis), how many records it first sends and its extra delay. */
    public record Tail(String query, long startMillis, int limit, long delayForMillis) {
    }

    /** {@code query_range}: start and end default to the last {@code since} (1 h) up to now. */
    public static Range range(HttpParameters p, long nowNanos, int maxEntries) {
        Window times = bounds(p, nowNanos);
        int limit = limit(p.get("limit"), maxEntries);
        Direction direction = direction(p.get("direction"));
        Window w = times.nonEmpty();
        return new Range(p.get("query"), w.start(), w.end(), limit, direction, step(p.get("step"), w.start(), w.end()));
    }

    /**
     * {@code query}: a metric query is evaluated at {@code time}; a log query reads back from it over {@code since}
     * (default 1 h), so its window is [time - since, time]. Without {@code time}, {@code start} is the time: logcli 1.x
     * sends its {@code --now} as {@code start} (which Loki itself ignores, evaluating at its own now).
     */
    public static Range instant(HttpParameters p, long nowNanos, int maxEntries) {
        long time = p.get("time") == null && p.get("start") != null ? LokiTime.nanos("start", p.get("start"), nowNanos)
                : LokiTime.nanos("time", p.get("time"), nowNanos);
        int limit = limit(p.get("limit"), maxEntries);
        Direction direction = direction(p.get("direction"));
        return new Range(p.get("query"), Math.max(0, time - since(p.get("since"))), time + 1, limit, direction, 0);
    }

    /** A window for the index and drilldown calls: {@code start}/{@code end}, default the last hour. */
    public static Range window(HttpParameters p, long nowNanos) {
        Window w = bounds(p, nowNanos).nonEmpty();
        return new Range(p.get("query"), w.start(), w.end(), 0, Direction.BACKWARD,
                step(p.get("step"), w.start(), w.end()));
    }

    /** {@code series}: {@code match[]} (or {@code match}, as logcli 1.x sends it), at most {@code maxSelectors}. */
    public static SeriesRange series(HttpParameters p, long nowNanos, int maxSelectors) {
        Window w = bounds(p, nowNanos);
        List<String> selectors = p.getAll("match[]");
        if (selectors.isEmpty()) {
            selectors = p.getAll("match");
        }
        if (selectors.isEmpty()) {
            selectors = List.of("{}");
        }
        if (selectors.size() > maxSelectors) {
            throw new LogQlException("at most " + maxSelectors + " match[] selectors per request, got "
                    + selectors.size());
        }
        return new SeriesRange(selectors, w.start(), w.end());
    }

    private record Window(long start, long end) {
        Window nonEmpty() {
            if (end <= start) {
                throw new LogQlException("end timestamp must not be before or equal to start time");
            }
            return this;
        }
    }

    /** {@code end} (default now) and {@code start} (default {@code since}, 1 h, before it). */
    private static Window bounds(HttpParameters p, long nowNanos) {
        long end = LokiTime.nanos("end", p.get("end"), nowNanos);
        return new Window(LokiTime.nanos("start", p.get("start"), end - since(p.get("since"))), end);
    }

    /** The tail's {@code start} (or {@code from}, as logcli 1.x names it; default an hour ago), {@code limit}, {@code delay_for}. */
    public static Tail tail(HttpParameters p, long nowMillis, int maxEntries) {
        String startParam = p.get("start") != null ? p.get("start") : p.get("from");
        long start = LokiTime.fromMillis(LokiTime.nanos("start", startParam, (nowMillis - 3_600_000L) * 1_000_000L));
        return new Tail(p.get("query"), start, limit(p.get("limit"), maxEntries), delayFor(p.get("delay_for")) * 1000);
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

    private static long since(String value) {
        if (value == null || value.isBlank()) {
            return NANOS_PER_HOUR;
        }
        return duration("since", value);
    }

    /**
     * A range query's step: a duration ({@code 30s}) or seconds ({@code 15}, {@code 0.5}); by default Loki's, the
     * window over 250 points, at least a second. More than {@link #MAX_POINTS} points per series is refused.
     */
    static long step(String value, long start, long end) {
        long step;
        if (value == null || value.isBlank()) {
            step = Math.max(NANOS_PER_SECOND, (end - start) / 250 / NANOS_PER_SECOND * NANOS_PER_SECOND);
        } else if (value.trim().matches("\\d+(\\.\\d+)?")) {
            try {
                step = new java.math.BigDecimal(value.trim()).movePointRight(9).longValueExact();
            } catch (ArithmeticException e) {
                throw new LogQlException("invalid step: out of range");
            }
        } else {
            step = duration("step", value);
        }
        if (step <= 0) {
            throw new LogQlException("zero or negative query resolution step widths are not accepted. Try a positive "
                    + "integer");
        }
        if ((end - start) / step > MAX_POINTS) {
            throw new LogQlException("exceeded maximum resolution of " + MAX_POINTS + " points per timeseries. Try "
                    + "increasing the value of the step parameter");
        }
        return step;
    }

    private static long duration(String name, String value) {
        try {
            return Math.min(LokiTime.MAX_NANOS, PromDuration.nanos(value.trim()));
        } catch (IllegalArgumentException e) {
            throw new LogQlException("invalid " + name + ": " + e.getMessage());
        } catch (ArithmeticException e) {
            throw new LogQlException("invalid " + name + ": out of range");
        }
    }

    private static long delayFor(String value) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            long seconds = Long.parseLong(value.trim());
            if (seconds < 0 || seconds > MAX_DELAY_FOR_SECONDS) {
                throw new LogQlException("delay_for must be 0 to " + MAX_DELAY_FOR_SECONDS + " seconds");
            }
            return seconds;
        } catch (NumberFormatException e) {
            throw new LogQlException("invalid delay_for: not an integer");
        }
    }
}
