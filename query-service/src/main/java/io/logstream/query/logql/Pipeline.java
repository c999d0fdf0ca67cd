package io.logstream.query.logql;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A log query's pipeline stages run on one entry, as Loki runs them:
 * <ul>
 *   <li>{@code | json} and {@code | logfmt} add the line's fields as labels (nested JSON keys joined by {@code _},
 *   arrays skipped, names with other characters than letters, digits and {@code _} sanitised to {@code _}; a name a
 *   stream label has gets {@code _extracted}). A line the parser cannot read gets
 *   {@code __error__=JSONParserErr} and {@code __error_details__}; {@code | logfmt} skips what it cannot read,
 *   as Loki's does without {@code --strict};</li>
 *   <li>a label filter keeps the entry when it holds; a label the entry lacks has the value {@code ""}. A numeric
 *   filter whose label is not a number (a duration, a size) keeps the entry with {@code __error__=LabelFilterErr},
 *   and an entry that has an error already passes every numeric filter (only string filters, such as
 *   {@code __error__=""}, take it out), as in Loki;</li>
 *   <li>{@code | drop} and {@code | keep} remove labels.</li>
 * </ul>
 * Structured metadata (the record's attributes, and {@code detected_level}) can be filtered without a parser, as in
 * Loki; they join the answer's labels only where a parser extracts them again. JSON nests at most
 * {@link #MAX_JSON_DEPTH} deep: a deeper line is a parser error, never a stall.
 */
public final class Pipeline {
    public static final String ERROR = "__error__";
    public static final String ERROR_DETAILS = "__error_details__";
    static final int MAX_JSON_DEPTH = 64;
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build()).build();

    private Pipeline() {
    }

    /**
     * @param labels   the entry's stream labels
     * @param metadata its structured metadata, by label name
     * @return the entry's labels after the stages, or null when a stage drops the entry
     */
    public static Map<String, String> run(List<LogQl.Stage> stages, String line, Map<String, String> labels,
                                          Map<String, String> metadata) {
        return run(stages, line, labels, metadata, null);
    }

    /**
     * As {@link #run(List, String, Map, Map)}, and {@code sample[0]} receives the value of the pipeline's
     * {@link LogQl.Unwrap unwrap} stage. An entry whose unwrapped label is missing or empty is dropped, as in Loki; one
     * whose value does not convert keeps {@code __error__=SampleExtractionErr}.
     */
    public static Map<String, String> run(List<LogQl.Stage> stages, String line, Map<String, String> labels,
                                          Map<String, String> metadata, double[] sample) {
        Map<String, String> out = new TreeMap<>(labels);
        Set<String> hidden = new HashSet<>(); // metadata names a drop or keep removed
        Lookup lookup = name -> out.containsKey(name) ? out.get(name) : hidden.contains(name) ? null : metadata.get(name);
        for (LogQl.Stage stage : stages) {
            if (stage instanceof LogQl.Parser parser) {
                parse(parser.format(), line, labels, out);
            } else if (stage instanceof LogQl.LabelFilter filter) {
                if (!holds(filter.predicate(), lookup, out)) {
                    return null;
                }
            } else if (stage instanceof LogQl.Drop drop) {
                drop.labels().forEach(out::remove);
                hidden.addAll(drop.labels());
            } else if (stage instanceof LogQl.Keep keep) {
                out.keySet().retainAll(keep.labels());
                metadata.keySet().stream().filter(name -> !keep.labels().contains(name)).forEach(hidden::add);
            } else if (stage instanceof LogQl.Unwrap unwrap && !unwrap(unwrap, lookup.get(unwrap.label()), out, sample)) {
                return null;
            }
        }
        return out;
    }

    /** False when the entry has no value to unwrap (it is dropped); sets the error labels when it does not convert. */
    private static boolean unwrap(LogQl.Unwrap unwrap, String text, Map<String, String> out, double[] sample) {
        if (text == null || text.isEmpty()) {
            return false;
        }
        Double value = LabelNumbers.parse(text, unwrap.conversion());
        if (value == null) {
            out.put(ERROR, "SampleExtractionErr");
            out.put(ERROR_DETAILS, "label " + unwrap.label() + " is not a " + unwrap.conversion().name()
                    .toLowerCase() + ": '" + LogQlLexer.abbreviate(text) + "'");
        } else if (sample != null) {
            sample[0] = value;
        }
        return true;
    }

    private interface Lookup {
        String get(String name);
    }

    private static boolean holds(LogQl.LabelPredicate predicate, Lookup lookup, Map<String, String> out) {
        if (predicate instanceof LogQl.And and) {
            return holds(and.left(), lookup, out) && holds(and.right(), lookup, out);
        }
        if (predicate instanceof LogQl.Or or) {
            return holds(or.left(), lookup, out) || holds(or.right(), lookup, out);
        }
        if (predicate instanceof LogQl.LabelMatch match) {
            return match.matcher().test(lookup.get(match.matcher().label()));
        }
        LogQl.LabelCompare compare = (LogQl.LabelCompare) predicate;
        if (out.containsKey(ERROR)) {
            return true; // as in Loki: an entry with an error is filtered out by string matchers only
        }
        String text = lookup.get(compare.label());
        Double value = LabelNumbers.parse(text, compare.unit());
        if (value == null) {
            out.put(ERROR, "LabelFilterErr");
            out.put(ERROR_DETAILS, "label " + compare.label() + " is not a " + compare.unit().name().toLowerCase()
                    + ": '" + LogQlLexer.abbreviate(text == null ? "" : text) + "'");
            return true;
        }
        return LogQl.holds(compare.op(), value, compare.value());
    }

    private static void parse(String format, String line, Map<String, String> stream, Map<String, String> out) {
        Map<String, String> fields = new LinkedHashMap<>();
        String error;
        try {
            error = format.equals("json") ? json(line, fields) : logfmt(line, fields);
        } catch (IOException e) {
            error = e.getMessage() == null ? "unreadable" : e.getMessage().lines().findFirst().orElse("unreadable");
        }
        if (error != null) {
            out.put(ERROR, format.equals("json") ? "JSONParserErr" : "LogfmtParserErr");
            out.put(ERROR_DETAILS, LogQlLexer.abbreviate(error));
            return;
        }
        fields.forEach((key, value) -> {
            String name = sanitize(key);
            out.put(stream.containsKey(name) ? name + "_extracted" : name, value);
        });
    }

    /** The line's fields, nested keys joined by {@code _}; an error message, or null. */
    private static String json(String line, Map<String, String> fields) throws IOException {
        try (JsonParser parser = JSON.createParser(line)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return "the line is not a JSON object";
            }
            object(parser, "", fields);
            if (parser.nextToken() != null) {
                return "more after the JSON object";
            }
            return null;
        }
    }

    private static void object(JsonParser parser, String prefix, Map<String, String> fields) throws IOException {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = prefix + parser.currentName();
            JsonToken value = parser.nextToken();
            switch (value) {
                case START_OBJECT -> object(parser, name + "_", fields);
                case START_ARRAY -> parser.skipChildren();
                case VALUE_NULL -> fields.put(name, "");
                default -> fields.put(name, parser.getText());
            }
        }
    }

    /**
     * {@code key=value key2="quoted \"value\""} pairs; a key without {@code =} has the value "". As Loki's parser
     * without {@code --strict}, a token it cannot read (a quote in a key, an unterminated quoted value) is skipped, not
     * an error; so this returns null.
     */
    private static String logfmt(String line, Map<String, String> fields) {
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && line.charAt(i) <= ' ') {
                i++;
            }
            int start = i;
            while (i < n && line.charAt(i) > ' ' && line.charAt(i) != '=' && line.charAt(i) != '"') {
                i++;
            }
            String key = line.substring(start, i);
            if (i < n && line.charAt(i) == '"') {
                i = skipToken(line, i);
                continue;
            }
            if (i >= n || line.charAt(i) != '=') {
                if (!key.isEmpty()) {
                    fields.put(key, "");
                }
                continue;
            }
            i++; // '='
            StringBuilder value = new StringBuilder();
            if (i < n && line.charAt(i) == '"') {
                int quote = i++;
                boolean closed = false;
                while (i < n) {
                    char c = line.charAt(i++);
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    if (c == '\\' && i < n) {
                        char e = line.charAt(i++);
                        value.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case 'r' -> '\r';
                            default -> e;
                        });
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    i = skipToken(line, quote);
                    continue;
                }
            } else {
                while (i < n && line.charAt(i) > ' ') {
                    value.append(line.charAt(i++));
                }
            }
            if (!key.isEmpty()) {
                fields.put(key, value.toString());
            }
        }
        return null;
    }

    private static int skipToken(String line, int from) {
        int i = from;
        while (i < line.length() && line.charAt(i) > ' ') {
            i++;
        }
        return i;
    }

    /** A label name as Loki makes it: other characters than letters, digits and {@code _} become {@code _}. */
    static String sanitize(String key) {
        StringBuilder name = new StringBuilder(key.length() + 1);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = c < 128 && (Character.isLetterOrDigit(c) || c == '_');
            name.append(ok ? c : '_');
        }
        if (name.length() == 0 || Character.isDigit(name.charAt(0))) {
            name.insert(0, '_');
        }
        return name.toString();
    }

    /** Free-form attributes as metadata labels: nested keys joined by {@code _}, lists left out. */
    public static Map<String, String> flatten(Map<String, ?> attributes) {
        Map<String, String> flat = new TreeMap<>();
        flatten("", attributes, flat, 0);
        return flat;
    }

    private static void flatten(String prefix, Map<String, ?> attributes, Map<String, String> flat, int depth) {
        if (depth > MAX_JSON_DEPTH) {
            return;
        }
        attributes.forEach((key, value) -> {
            String name = sanitize(prefix + key);
            if (value instanceof Map<?, ?> nested) {
                @SuppressWarnings("unchecked")
                Map<String, ?> inner = (Map<String, ?>) nested;
                flatten(name + "_", inner, flat, depth + 1);
            } else if (value instanceof BigDecimal decimal) {
                flat.put(name, decimal.toPlainString());
            } else if (value != null && !(value instanceof List<?>)) {
                flat.put(name, value.toString());
            } else if (value == null) {
                flat.put(name, "");
            }
        });
    }
}
