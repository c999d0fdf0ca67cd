package io.logstream.query.rest;

import io.logstream.query.store.Direction;
import io.logstream.query.store.LogQuery;

import io.logstream.query.problem.InvalidParameter;
import io.logstream.query.problem.InvalidRequestException;
import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns raw request parameters into a {@link LogQuery}, collecting every problem at once so that one 400 names all
 * of them. Unknown parameters are rejected too: a misspelt {@code limt} silently ignored would return the wrong page.
 */
@Singleton
public class LogQueryParser {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 1000;
    private static final Set<String> KNOWN = Set.of("limit", "from", "to", "direction", "level", "cursor");

    private final CursorCodec cursors;

    public LogQueryParser(CursorCodec cursors) {
        this.cursors = cursors;
    }

    /** @throws InvalidRequestException naming every invalid parameter */
    public LogQuery parse(String service, Map<String, List<String>> parameters) {
        List<InvalidParameter> problems = new ArrayList<>();
        parameters.keySet().stream().filter(name -> !KNOWN.contains(name)).sorted().forEach(name ->
                problems.add(new InvalidParameter(name, "unknown parameter; known are " + sortedKnown())));
        if (!LogKeys.isValidName(service)) {
            problems.add(new InvalidParameter("service", "must be 1-128 characters of [A-Za-z0-9._:/-]"));
        }
        int limit = DEFAULT_LIMIT;
        String limitText = single(parameters, "limit", problems);
        if (limitText != null) {
            try {
                if (!limitText.matches("[0-9]{1,9}")) {
                    throw new NumberFormatException(limitText);
                }
                limit = Integer.parseInt(limitText);
                if (limit < 1 || limit > MAX_LIMIT) {
                    problems.add(new InvalidParameter("limit", "must be between 1 and " + MAX_LIMIT + ", got " + limit));
                }
            } catch (NumberFormatException e) {
                problems.add(new InvalidParameter("limit", "must be a whole number between 1 and " + MAX_LIMIT));
            }
        }
        Long from = instant("from", single(parameters, "from", problems), problems);
        Long to = instant("to", single(parameters, "to", problems), problems);
        if (from != null && to != null && from > to) {
            problems.add(new InvalidParameter("from", "must not be after 'to'"));
        }
        Direction direction = Direction.BACKWARD;
        String directionText = single(parameters, "direction", problems);
        if (directionText != null) {
            try {
                direction = Direction.valueOf(directionText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add(new InvalidParameter("direction", "must be 'backward' or 'forward'"));
            }
        }
        Set<LogLevel> levels = levels(parameters, problems);
        String cursorText = single(parameters, "cursor", problems);
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        LogQuery query = new LogQuery(service, limit, from, to, direction, levels, null);
        if (cursorText == null) {
            return query;
        }
        String position = cursors.decode(query, cursorText).orElseThrow(() -> new InvalidRequestException(List.of(
                new InvalidParameter("cursor", "is not a cursor this service issued for this query "
                        + "(altered, expired by a key change, or from another service or other parameters)"))));
        return new LogQuery(service, limit, from, to, direction, levels, position);
    }

    /** The {@code level} parameters' levels (comma lists, any number of them); empty when none is given. */
    public static Set<LogLevel> levels(Map<String, List<String>> parameters, List<InvalidParameter> problems) {
        Set<LogLevel> levels = EnumSet.noneOf(LogLevel.class);
        for (String value : parameters.getOrDefault("level", List.of())) {
            for (String part : value.split(",", -1)) {
                // exactly a name, no padding: what the OpenAPI document declares
                Optional<LogLevel> level = part.equals(part.strip()) ? LogLevel.parse(part) : Optional.empty();
                if (level.isPresent()) {
                    levels.add(level.get());
                } else {
                    problems.add(new InvalidParameter("level", "unknown level '" + abbreviate(part)
                            + "'; use TRACE, DEBUG, INFO, WARN, ERROR or FATAL"));
                }
            }
        }
        return levels;
    }

    /** A parameter given at most once, or null. */
    public static String single(Map<String, List<String>> parameters, String name, List<InvalidParameter> problems) {
        List<String> values = parameters.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            problems.add(new InvalidParameter(name, "must be given at most once"));
            return null;
        }
        return values.get(0);
    }

    /**
     * RFC 3339 date-time or epoch milliseconds 0..{@value LogKeys#MAX_TS}; a date-time outside that range is moved to
     * its nearest end, which selects the same records.
     */
    public static Long instant(String name, String text, List<InvalidParameter> problems) {
        if (text == null) {
            return null;
        }
        Optional<Long> millis = LogKeys.parseMillis(text, true);
        if (millis.isEmpty()) {
            problems.add(new InvalidParameter(name, "must be an RFC 3339 date-time (2024-08-07T17:00:00Z) or epoch "
                    + "milliseconds between 0 and " + LogKeys.MAX_TS + ", got '" + abbreviate(text.trim()) + "'"));
            return null;
        }
        return millis.get();
    }

    private static String sortedKnown() {
        return String.join(", ", KNOWN.stream().sorted().toList());
    }

    public static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }
}
