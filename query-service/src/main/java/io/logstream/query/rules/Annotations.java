package io.logstream.query.rules;

import io.logstream.query.logql.LineTemplate;
import io.logstream.query.logql.LogQlException;
import io.logstream.query.loki.MetricEvaluator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * An alert's annotations and labels as Prometheus templates them: {@code {{ $labels.service }}}, {@code {{ $value }}}
 * and {@code {{ $labels.route | upper }}}, over the one Go template subset LogQL's {@code line_format} runs
 * ({@link LineTemplate}, its functions and its budget). {@code $labels.x} reads the alert's label x and {@code $value}
 * the expression's value; a template that does not parse is refused with its rule file, one that fails while running
 * gives Prometheus's {@code <error expanding template: ...>}.
 */
final class Annotations {
    private static final Pattern LABELS = Pattern.compile("\\$labels\\.");
    private static final Pattern VALUE = Pattern.compile("\\$value\\b");
    private static final String VALUE_FIELD = "__value__";
    private static final Map<String, LineTemplate> PARSED = new ConcurrentHashMap<>();

    private Annotations() {
    }

    /** The template as {@link LineTemplate} reads it: {@code $labels.x} is field x, {@code $value} a field. */
    private static String translated(String template) {
        return VALUE.matcher(LABELS.matcher(template).replaceAll(".")).replaceAll("." + VALUE_FIELD);
    }

    /** Parses a template, throwing {@link LogQlException} naming what is wrong. */
    static void check(String template) {
        if (template.contains("{{")) {
            LineTemplate.parse(translated(template));
        }
    }

    /** Each annotation expanded for an alert with these labels and this value. */
    static Map<String, String> expand(Map<String, String> annotations, Map<String, String> labels, double value) {
        if (annotations.values().stream().noneMatch(text -> text.contains("{{"))) {
            return annotations;
        }
        String formatted = MetricEvaluator.format(value);
        LineTemplate.Data data = new LineTemplate.Data(name -> name.equals(VALUE_FIELD) ? formatted
                : labels.getOrDefault(name, ""), "", 0);
        Map<String, String> out = new LinkedHashMap<>();
        annotations.forEach((name, text) -> {
            if (!text.contains("{{")) {
                out.put(name, text);
                return;
            }
            if (PARSED.size() > 10_000) {
                PARSED.clear();
            }
            try {
                out.put(name, PARSED.computeIfAbsent(text, t -> LineTemplate.parse(translated(t))).execute(data));
            } catch (LogQlException | LineTemplate.TemplateError e) {
                out.put(name, "<error expanding template: " + e.getMessage() + ">");
            }
        });
        return out;
    }
}
