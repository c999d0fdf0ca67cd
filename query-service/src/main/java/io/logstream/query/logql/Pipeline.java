package io.logstream.query.logql;

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
    static final int MAX_JSON_DEPTH = LineParsers.MAX_JSON_DEPTH;

    private Pipeline() {
    }

    /**
     * @param labels   the entry's stream labels
     * @param metadata its structured metadata, by label name
     * @return the entry's labels after the stages, or null when a stage drops the entry
     */
    public static Map<String, String> run(List<LogQl.Stage> stages, String line, Map<String, String> labels,
                                          Map<String, String> metadata) {
        return run(stages, labels, metadata, new Entry(line, 0));
    }

    /**
     * One entry through a pipeline: its line (which {@code line_format}, {@code decolorize} and {@code unpack} may
     * rewrite), its time (for templates) and, after an {@link LogQl.Unwrap unwrap}, its sample.
     */
    public static final class Entry {
        private String line;
        private final long timeMillis;
        private double sample;
        private Map<String, String> metadata = Map.of();

        public Entry(String line, long timeMillis) {
            this.line = line;
            this.timeMillis = timeMillis;
        }

        /** The line after the stages. */
        public String line() {
            return line;
        }

        /** The unwrapped value. */
        public double sample() {
            return sample;
        }

        /** The structured metadata the stages left visible (not dropped, not kept out, not a label now). */
        public Map<String, String> metadata() {
            return metadata;
        }
    }

    /**
     * As {@link #run(List, String, Map, Map)} on {@code entry}, whose line and sample it leaves as the stages make
     * them. An entry whose unwrapped label is missing or empty is dropped, as in Loki; one whose value does not convert
     * keeps {@code __error__=SampleExtractionErr}.
     */
    public static Map<String, String> run(List<LogQl.Stage> stages, Map<String, String> labels,
                                          Map<String, String> metadata, Entry entry) {
        Map<String, String> out = new TreeMap<>(labels);
        Set<String> hidden = new HashSet<>(); // metadata names a drop or keep removed
        Lookup lookup = name -> out.containsKey(name) ? out.get(name) : hidden.contains(name) ? null : metadata.get(name);
        for (LogQl.Stage stage : stages) {
            if (stage instanceof LogQl.LabelFilter filter) {
                if (!holds(filter.predicate(), lookup, out)) {
                    return null;
                }
            } else if (stage instanceof LogQl.LineStage lineStage) {
                if (!lineStage.filter().test(entry.line)) {
                    return null;
                }
            } else if (stage instanceof LogQl.Drop drop) {
                drop.labels().forEach(out::remove);
                hidden.addAll(drop.labels());
            } else if (stage instanceof LogQl.Keep keep) {
                out.keySet().retainAll(keep.labels());
                metadata.keySet().stream().filter(name -> !keep.labels().contains(name)).forEach(hidden::add);
            } else if (stage instanceof LogQl.Unwrap unwrap) {
                if (!unwrap(unwrap, lookup.get(unwrap.label()), out, entry)) {
                    return null;
                }
            } else if (stage instanceof LogQl.LineFormat format) {
                String line = template(format.template(), lookup, entry, out);
                if (line != null) {
                    entry.line = line;
                }
            } else if (stage instanceof LogQl.LabelFormat format) {
                labelFormat(format, lookup, entry, out, hidden);
            } else if (stage instanceof LogQl.Decolorize) {
                entry.line = ANSI.matcher(entry.line).replaceAll("");
            } else {
                parse(stage, entry, labels, out);
            }
        }
        Map<String, String> visible = new TreeMap<>(metadata);
        visible.keySet().removeAll(hidden);
        visible.keySet().removeAll(out.keySet());
        entry.metadata = visible;
        return out;
    }

    /** ANSI escape sequences (colours, cursor moves), as the pattern Loki's decolorize uses matches them. */
    private static final com.google.re2j.Pattern ANSI = com.google.re2j.Pattern.compile(
            "[\\x{1B}\\x{9B}][\\[\\]()#;?]*(?:(?:(?:[a-zA-Z\\d]*(?:;[a-zA-Z\\d]*)*)?\\x{07})"
                    + "|(?:(?:\\d{1,4}(?:;\\d{0,4})*)?[\\dA-PRZcf-ntqry=><~]))");

    /** The template's text for the entry, or null (and the error labels set) when it fails. */
    private static String template(LineTemplate template, Lookup lookup, Entry entry, Map<String, String> out) {
        try {
            return template.execute(new LineTemplate.Data(lookup::get, entry.line, entry.timeMillis));
        } catch (LineTemplate.TemplateError | IllegalArgumentException | IndexOutOfBoundsException e) {
            out.put(ERROR, "TemplateFormatErr");
            out.put(ERROR_DETAILS, LogQlLexer.abbreviate(String.valueOf(e.getMessage())));
            return null;
        }
    }

    /** Every assignment reads the labels as they were before the stage, as in Loki. */
    private static void labelFormat(LogQl.LabelFormat format, Lookup lookup, Entry entry, Map<String, String> out,
                                    Set<String> hidden) {
        Map<String, String> before = new TreeMap<>();
        for (LogQl.LabelAssignment a : format.assignments()) {
            String source = a.source() != null ? lookup.get(a.source()) : null;
            String value = a.template() != null ? template(a.template(), lookup, entry, out) : source;
            if (value != null && (a.template() != null || !value.isEmpty())) {
                before.put(a.label(), value);
            }
        }
        for (LogQl.LabelAssignment a : format.assignments()) {
            if (a.source() != null && before.containsKey(a.label()) && !a.source().equals(a.label())) {
                out.remove(a.source());
                hidden.add(a.source());
            }
        }
        out.putAll(before);
    }

    private static void parse(LogQl.Stage stage, Entry entry, Map<String, String> stream, Map<String, String> out) {
        Map<String, String> fields = new LinkedHashMap<>();
        String error = null;
        String errorName = "JSONParserErr";
        try {
            if (stage instanceof LogQl.RegexpParser regexp) {
                LineParsers.regexp(regexp.pattern(), entry.line, fields);
            } else if (stage instanceof LogQl.PatternParser pattern) {
                pattern.pattern().match(entry.line, fields);
            } else {
                LogQl.Parser parser = (LogQl.Parser) stage;
                switch (parser.format()) {
                    case "json" -> error = parser.extractions().isEmpty() ? LineParsers.json(entry.line, fields)
                            : LineParsers.jsonPaths(entry.line, parser.extractions(), fields);
                    case "unpack" -> {
                        String[] line = new String[1];
                        error = LineParsers.unpack(entry.line, fields, line);
                        if (error == null && line[0] != null) {
                            entry.line = line[0];
                        }
                    }
                    default -> {
                        errorName = "LogfmtParserErr";
                        Map<String, String> all = parser.extractions().isEmpty() ? fields : new LinkedHashMap<>();
                        error = LineParsers.logfmt(entry.line, all, parser.strict(), parser.keepEmpty());
                        for (LogQl.Extraction extraction : parser.extractions()) {
                            if (all.containsKey(extraction.path())) {
                                fields.put(extraction.label(), all.get(extraction.path()));
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            error = e.getMessage() == null ? "unreadable" : e.getMessage().lines().findFirst().orElse("unreadable");
        }
        if (error != null) {
            out.put(ERROR, errorName);
            out.put(ERROR_DETAILS, LogQlLexer.abbreviate(error));
            return;
        }
        fields.forEach((key, value) -> {
            String name = sanitize(key);
            out.put(stream.containsKey(name) ? name + "_extracted" : name, value);
        });
    }

    /** False when the entry has no value to unwrap (it is dropped); sets the error labels when it does not convert. */
    private static boolean unwrap(LogQl.Unwrap unwrap, String text, Map<String, String> out, Entry entry) {
        if (text == null || text.isEmpty()) {
            return false;
        }
        Double value = LabelNumbers.parse(text, unwrap.conversion());
        if (value == null) {
            out.put(ERROR, "SampleExtractionErr");
            out.put(ERROR_DETAILS, "label " + unwrap.label() + " is not a " + unwrap.conversion().name()
                    .toLowerCase() + ": '" + LogQlLexer.abbreviate(text) + "'");
        } else {
            entry.sample = value;
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
