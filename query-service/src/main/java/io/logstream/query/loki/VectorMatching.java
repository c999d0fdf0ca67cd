package io.logstream.query.loki;

import io.logstream.query.logql.LogQl;
import io.logstream.query.logql.LogQlException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BinaryOperator;

/**
 * PromQL's vector matching, instant by instant, over series (label set to one value per instant, null where absent):
 * <ul>
 *   <li>one-to-one: each series matches the other side's series with the same match labels (all labels, those of
 *   {@code on (...)}, or all but those of {@code ignoring (...)}); the result has the match labels only with
 *   {@code on}, the left side's labels without the ignored ones with {@code ignoring};</li>
 *   <li>{@code group_left (...)} (many-to-one) and {@code group_right (...)} (one-to-many): each series of the "many"
 *   side matches the one series of the other side, and the result keeps the "many" side's labels plus the listed
 *   ones copied from the "one" side;</li>
 *   <li>{@code and}, {@code or}, {@code unless}: the left points whose match labels the right side has (has not) at
 *   that instant; {@code or} adds the right points whose match labels the left side has not.</li>
 * </ul>
 * Where PromQL refuses (a match that is not unique on the side that must be, two results with one label set), the
 * query is a 400 naming it, never an arbitrary pick.
 */
final class VectorMatching {
    private VectorMatching() {
    }

    static Map<String, String> key(Map<String, String> labels, LogQl.Matching matching) {
        if (matching == null) {
            return labels;
        }
        Map<String, String> key = new TreeMap<>();
        labels.forEach((name, value) -> {
            if (matching.on() == matching.labels().contains(name)) {
                key.put(name, value);
            }
        });
        return key;
    }

    /** {@code left op right} at every instant both sides have a matching point; {@code point} gives the value. */
    static Map<Map<String, String>, Double[]> binary(Map<Map<String, String>, Double[]> left,
                                                     Map<Map<String, String>, Double[]> right,
                                                     LogQl.Matching matching, int points,
                                                     BinaryOperator<Double> point) {
        boolean groupRight = matching != null && "right".equals(matching.group());
        boolean grouped = matching != null && matching.group() != null;
        // the "one" side must be unique per key; the "many" side too when one-to-one
        Map<Map<String, String>, Double[]> many = groupRight ? right : left;
        Map<Map<String, String>, Double[]> one = groupRight ? left : right;
        Map<Map<String, String>, Double[]> out = new TreeMap<>(MetricEvaluator::compareLabels);
        for (int i = 0; i < points; i++) {
            Map<Map<String, String>, Map.Entry<Map<String, String>, Double[]>> ones = unique(one, matching, i,
                    grouped ? "the group_" + matching.group() + " side's (the \"one\" side's)" : "the right side's");
            if (!grouped) {
                unique(many, matching, i, "the left side's");
            }
            Set<Map<String, String>> written = new HashSet<>();
            for (Map.Entry<Map<String, String>, Double[]> m : many.entrySet()) {
                Double value = m.getValue()[i];
                if (value == null) {
                    continue;
                }
                Map.Entry<Map<String, String>, Double[]> match = ones.get(key(m.getKey(), matching));
                if (match == null) {
                    continue;
                }
                Double other = match.getValue()[i];
                Double result = groupRight ? point.apply(other, value) : point.apply(value, other);
                if (result == null) {
                    continue;
                }
                Map<String, String> labels = resultLabels(m.getKey(), match.getKey(), matching);
                if (!written.add(labels)) {
                    throw new LogQlException("vector matching gives two series with the labels " + labels
                            + "; add the labels that tell them apart to on (...) or group_left (...)");
                }
                out.computeIfAbsent(labels, l -> new Double[points])[i] = result;
            }
        }
        return out;
    }

    private static Map<String, String> resultLabels(Map<String, String> many, Map<String, String> one,
                                                    LogQl.Matching matching) {
        if (matching == null) {
            return many;
        }
        Map<String, String> labels = new TreeMap<>(matching.group() == null ? key(many, matching) : many);
        for (String name : matching.include()) {
            String value = one.get(name);
            if (value == null || value.isEmpty()) {
                labels.remove(name);
            } else {
                labels.put(name, value);
            }
        }
        return labels;
    }

    /** The series with a point at instant i, by key; two with one key is PromQL's many-to-many refusal. */
    private static Map<Map<String, String>, Map.Entry<Map<String, String>, Double[]>> unique(
            Map<Map<String, String>, Double[]> side, LogQl.Matching matching, int i, String which) {
        Map<Map<String, String>, Map.Entry<Map<String, String>, Double[]>> byKey = new HashMap<>();
        for (Map.Entry<Map<String, String>, Double[]> e : side.entrySet()) {
            if (e.getValue()[i] != null && byKey.put(key(e.getKey(), matching), e) != null) {
                throw new LogQlException("many-to-many matching is not allowed: " + which + " series "
                        + key(e.getKey(), matching) + " match more than one; use on (...), ignoring (...) or "
                        + "group_left/group_right");
            }
        }
        return byKey;
    }

    /** {@code and}, {@code or}, {@code unless}. */
    static Map<Map<String, String>, Double[]> set(String op, Map<Map<String, String>, Double[]> left,
                                                  Map<Map<String, String>, Double[]> right,
                                                  LogQl.Matching matching, int points) {
        Map<Map<String, String>, Double[]> out = new TreeMap<>(MetricEvaluator::compareLabels);
        for (int i = 0; i < points; i++) {
            Set<Map<String, String>> rightKeys = keys(right, matching, i);
            Set<Map<String, String>> leftKeys = keys(left, matching, i);
            for (Map.Entry<Map<String, String>, Double[]> e : left.entrySet()) {
                Double v = e.getValue()[i];
                boolean matched = rightKeys.contains(key(e.getKey(), matching));
                if (v != null && (op.equals("or") || op.equals("and") == matched)) {
                    out.computeIfAbsent(e.getKey(), l -> new Double[points])[i] = v;
                }
            }
            if (op.equals("or")) {
                for (Map.Entry<Map<String, String>, Double[]> e : right.entrySet()) {
                    Double v = e.getValue()[i];
                    if (v != null && !leftKeys.contains(key(e.getKey(), matching))) {
                        Double[] values = out.computeIfAbsent(e.getKey(), l -> new Double[points]);
                        if (values[i] == null) {
                            values[i] = v;
                        }
                    }
                }
            }
        }
        return out;
    }

    private static Set<Map<String, String>> keys(Map<Map<String, String>, Double[]> side, LogQl.Matching matching,
                                                 int i) {
        Set<Map<String, String>> keys = new HashSet<>();
        side.forEach((labels, values) -> {
            if (values[i] != null) {
                keys.add(key(labels, matching));
            }
        });
        return keys;
    }

    /** PromQL's label_replace on every series: where the regex matches the source label, dst is the expansion. */
    static Map<Map<String, String>, Double[]> labelReplace(LogQl.LabelReplace r,
                                                           Map<Map<String, String>, Double[]> series) {
        Map<Map<String, String>, Double[]> out = new TreeMap<>(MetricEvaluator::compareLabels);
        series.forEach((labels, values) -> {
            String source = labels.getOrDefault(r.source(), "");
            com.google.re2j.Matcher m = r.regex().matcher(source);
            Map<String, String> relabelled = new TreeMap<>(labels);
            if (m.matches()) {
                String value = expand(r.replacement(), m);
                if (value.isEmpty()) {
                    relabelled.remove(r.destination());
                } else {
                    relabelled.put(r.destination(), value);
                }
            }
            if (out.putIfAbsent(relabelled, values) != null) {
                throw new LogQlException("label_replace gives two series with the labels " + relabelled);
            }
        });
        return out;
    }

    /** Go's regexp Expand: {@code $1}, {@code ${1}}, {@code $name}, {@code ${name}}, {@code $$}. */
    static String expand(String template, com.google.re2j.Matcher m) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c != '$' || i + 1 >= template.length()) {
                out.append(c);
                continue;
            }
            if (template.charAt(i + 1) == '$') {
                out.append('$');
                i++;
                continue;
            }
            int start = i + 1;
            boolean braced = template.charAt(start) == '{';
            int j = braced ? start + 1 : start;
            while (j < template.length() && (Character.isLetterOrDigit(template.charAt(j)) || template.charAt(j) == '_')) {
                j++;
            }
            String name = template.substring(braced ? start + 1 : start, j);
            if (name.isEmpty() || braced && (j >= template.length() || template.charAt(j) != '}')) {
                out.append(c);
                continue;
            }
            out.append(group(m, name));
            i = braced ? j : j - 1;
        }
        return out.toString();
    }

    private static String group(com.google.re2j.Matcher m, String name) {
        String value;
        if (name.chars().allMatch(Character::isDigit)) {
            int index = Integer.parseInt(name);
            value = index <= m.groupCount() ? m.group(index) : null;
        } else {
            try {
                value = m.group(name);
            } catch (IllegalArgumentException e) {
                value = null;
            }
        }
        return value == null ? "" : value;
    }

    /** scalar(v): the one series' value at each instant, NaN where there is not exactly one point. */
    static Double[] scalar(Map<Map<String, String>, Double[]> series, int points) {
        Double[] out = new Double[points];
        Arrays.fill(out, Double.NaN);
        for (int i = 0; i < points; i++) {
            List<Double> present = new ArrayList<>();
            for (Double[] values : series.values()) {
                if (values[i] != null) {
                    present.add(values[i]);
                }
            }
            if (present.size() == 1) {
                out[i] = present.get(0);
            }
        }
        return out;
    }
}
