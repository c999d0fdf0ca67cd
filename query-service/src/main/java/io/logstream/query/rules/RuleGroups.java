package io.logstream.query.rules;

import io.logstream.query.logql.LogQl;
import io.logstream.query.logql.LogQlException;
import io.logstream.query.logql.LogQlParser;
import io.logstream.query.logql.PromDuration;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Rule groups in Prometheus's and Loki's YAML ({@code groups: - name, interval, rules: - alert|record, expr, for,
 * labels, annotations}), read and checked as Prometheus checks a rule file: every {@code expr} is parsed by the one
 * LogQL parser and must be a metric query; names, durations and labels must be valid; a key it does not know is an
 * error, not ignored. A file that fails any check is refused whole, with every problem named.
 */
public final class RuleGroups {
    /** Largest rule file: far above any real one. */
    public static final int MAX_BYTES = 1 << 20;
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final long DEFAULT_INTERVAL = 60_000_000_000L;
    private static final Set<String> GROUP_KEYS = Set.of("name", "interval", "rules", "limit");
    private static final Set<String> RULE_KEYS = Set.of("alert", "record", "expr", "for", "keep_firing_for",
            "labels", "annotations");

    private RuleGroups() {
    }

    /** An alerting ({@code alert} not null) or recording rule. {@code forNanos} 0 fires at once. */
    public record Rule(String alert, String record, String expr, LogQl.Expr parsed, long forNanos,
                       Map<String, String> labels, Map<String, String> annotations) {
        public boolean alerting() {
            return alert != null;
        }

        public String name() {
            return alerting() ? alert : record;
        }
    }

    /** A group of one namespace: its rules evaluated in order every {@code intervalNanos}. */
    public record Group(String namespace, String name, long intervalNanos, List<Rule> rules) {
        /** The group's key in the rule tables: namespace and name. */
        public String key() {
            return io.logstream.model.LedgerKeys.ruleGroupKey(namespace, name);
        }
    }

    /** Thrown with every problem of a file. */
    public static final class InvalidRules extends RuntimeException {
        private final List<String> problems;

        InvalidRules(List<String> problems) {
            super(String.join("; ", problems), null, false, false);
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    /** The groups of {@code yaml}, all in {@code namespace}. */
    public static List<Group> parse(String namespace, String yaml) {
        Object root = load(yaml, "the rule file");
        if (!(root instanceof Map<?, ?> top) || !(top.get("groups") instanceof List<?> groups)) {
            throw new InvalidRules(List.of("a rule file is a map with a groups list"));
        }
        List<String> problems = new ArrayList<>();
        unknownKeys(top, Set.of("groups"), "the file", problems);
        List<Group> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int g = 0; g < groups.size(); g++) {
            Group group = group(namespace, groups.get(g), "group " + (g + 1), problems);
            if (group != null) {
                if (!names.add(group.name())) {
                    problems.add("group " + group.name() + " appears twice");
                }
                out.add(group);
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidRules(problems);
        }
        return List.copyOf(out);
    }

    /** One group of {@code namespace}, as the ruler API takes it: {@code name}, {@code interval}, {@code rules}. */
    public static Group parseGroup(String namespace, String yaml) {
        List<String> problems = new ArrayList<>();
        Group group = group(namespace, load(yaml, "a rule group"), "the group", problems);
        if (!problems.isEmpty()) {
            throw new InvalidRules(problems);
        }
        return group;
    }

    private static Object load(String yaml, String what) {
        if (yaml.length() > MAX_BYTES) {
            throw new InvalidRules(List.of(what + " is larger than " + MAX_BYTES + " bytes"));
        }
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            options.setMaxAliasesForCollections(10);
            options.setNestingDepthLimit(20);
            return new Yaml(new SafeConstructor(options)).load(yaml);
        } catch (YAMLException e) {
            String message = e.getMessage() == null ? "unreadable" : e.getMessage().lines().findFirst().orElse("");
            throw new InvalidRules(List.of("not YAML: " + message));
        }
    }

    private static Group group(String namespace, Object item, String where, List<String> problems) {
        if (!(item instanceof Map<?, ?> group)) {
            problems.add(where + " is not a map");
            return null;
        }
        unknownKeys(group, GROUP_KEYS, where, problems);
        String name = text(group.get("name"));
        if (name == null || name.isBlank()) {
            problems.add(where + " has no name");
            return null;
        }
        where = "group " + name;
        long interval = group.containsKey("interval") ? duration(group.get("interval"), where + " interval",
                problems) : DEFAULT_INTERVAL;
        if (interval <= 0 && group.containsKey("interval")) {
            problems.add(where + " interval must be positive");
        }
        List<Rule> rules = new ArrayList<>();
        if (!(group.get("rules") instanceof List<?> list) || list.isEmpty()) {
            problems.add(where + " has no rules");
        } else {
            for (int r = 0; r < list.size(); r++) {
                Rule rule = rule(list.get(r), where + " rule " + (r + 1), problems);
                if (rule != null) {
                    rules.add(rule);
                }
            }
        }
        return new Group(namespace, name, interval, List.copyOf(rules));
    }

    private static Rule rule(Object item, String where, List<String> problems) {
        if (!(item instanceof Map<?, ?> rule)) {
            problems.add(where + " is not a map");
            return null;
        }
        unknownKeys(rule, RULE_KEYS, where, problems);
        String alert = text(rule.get("alert"));
        String record = text(rule.get("record"));
        if ((alert == null) == (record == null)) {
            problems.add(where + " needs exactly one of alert and record");
            return null;
        }
        String name = alert != null ? alert : record;
        where = where + " (" + name + ")";
        if (record != null && !METRIC_NAME.matcher(record).matches()) {
            problems.add(where + ": record must be a metric name such as job:errors:rate5m");
        }
        if (alert != null && alert.isBlank()) {
            problems.add(where + ": alert must be named");
        }
        if (record != null && (rule.containsKey("for") || rule.containsKey("annotations")
                || rule.containsKey("keep_firing_for"))) {
            problems.add(where + ": a recording rule takes no for, keep_firing_for or annotations");
        }
        String expr = text(rule.get("expr"));
        LogQl.Expr parsed = null;
        if (expr == null || expr.isBlank()) {
            problems.add(where + " has no expr");
        } else if (!LogQlParser.isMetric(expr)) {
            problems.add(where + ": expr must be a metric query, such as sum(rate({service=\"checkout\"}[5m]))");
        } else {
            try {
                parsed = LogQlParser.parseMetric(expr);
            } catch (LogQlException e) {
                problems.add(where + ": expr: " + e.getMessage());
            }
        }
        long forNanos = rule.containsKey("for") ? duration(rule.get("for"), where + " for", problems) : 0;
        if (forNanos < 0) {
            problems.add(where + ": for must not be negative");
        }
        Map<String, String> labels = labels(rule.get("labels"), where + " labels", problems, true);
        Map<String, String> annotations = labels(rule.get("annotations"), where + " annotations", problems, false);
        for (Map.Entry<String, String> annotation : annotations.entrySet()) {
            try {
                Annotations.check(annotation.getValue());
            } catch (LogQlException e) {
                problems.add(where + " annotation " + annotation.getKey() + ": " + e.getMessage());
            }
        }
        return parsed == null ? null : new Rule(alert, record, expr, parsed, forNanos, labels, annotations);
    }

    private static Map<String, String> labels(Object value, String where, List<String> problems, boolean labelNames) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            problems.add(where + " must be a map");
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        map.forEach((k, v) -> {
            String key = String.valueOf(k);
            if (!LABEL_NAME.matcher(key).matches() || labelNames && key.startsWith("__")) {
                problems.add(where + ": invalid name " + key);
            } else if (v instanceof Map<?, ?> || v instanceof List<?>) {
                problems.add(where + ": " + key + " must be a string");
            } else {
                out.put(key, v == null ? "" : String.valueOf(v));
            }
        });
        return out;
    }

    private static long duration(Object value, String where, List<String> problems) {
        try {
            return PromDuration.nanos(String.valueOf(value));
        } catch (IllegalArgumentException | ArithmeticException e) {
            problems.add(where + ": not a duration such as 1m: " + value);
            return 0;
        }
    }

    private static void unknownKeys(Map<?, ?> map, Set<String> known, String where, List<String> problems) {
        map.keySet().stream().map(String::valueOf).filter(key -> !known.contains(key)).sorted()
                .forEach(key -> problems.add(where + ": unknown key " + key));
    }

    private static String text(Object value) {
        return value == null || value instanceof Map<?, ?> || value instanceof List<?> ? null : String.valueOf(value);
    }

    /** The stream selectors an expression reads, for access checks. */
    public static List<List<LogQl.Matcher>> selectors(LogQl.Expr expr) {
        return LogQl.rangeAggregations(expr).stream().map(r -> r.query().matchers()).toList();
    }
}
