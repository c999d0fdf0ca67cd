package io.logstream.query.rules;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.swagger.v3.oas.annotations.Hidden;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules a caller may see, as Loki's ruler lists them: {@code GET /loki/api/v1/rules} (the rule file's YAML, by
 * namespace) and {@code GET /prometheus/api/v1/rules} (Prometheus's JSON, which Grafana's alerting UI reads), with each
 * alerting rule's state, health and alerts ({@link AlertEvaluator}); {@code GET /prometheus/api/v1/alerts} lists the
 * pending and firing alerts. Recording rules are not evaluated yet ({@code health: unknown}). Same authentication as
 * every read; a caller sees the groups whose services it may read.
 */
@Hidden
@Controller
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
public class RulesController {
    private static final MediaType YAML = MediaType.of("application/yaml");
    private final Rules rules;
    private final AlertEvaluator evaluator;

    public RulesController(Rules rules, AlertEvaluator evaluator) {
        this.rules = rules;
        this.evaluator = evaluator;
    }

    @Get(value = "/loki/api/v1/rules")
    public HttpResponse<String> lokiRules(@Nullable Authentication auth) {
        Map<String, List<Map<String, Object>>> byNamespace = new LinkedHashMap<>();
        for (RuleGroups.Group group : rules.visible(auth)) {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("name", group.name());
            g.put("interval", seconds(group.intervalNanos()) + "s");
            List<Map<String, Object>> list = new ArrayList<>();
            for (RuleGroups.Rule rule : group.rules()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put(rule.alerting() ? "alert" : "record", rule.name());
                r.put("expr", rule.expr());
                if (rule.alerting() && rule.forNanos() > 0) {
                    r.put("for", seconds(rule.forNanos()) + "s");
                }
                if (!rule.labels().isEmpty()) {
                    r.put("labels", rule.labels());
                }
                if (!rule.annotations().isEmpty()) {
                    r.put("annotations", rule.annotations());
                }
                list.add(r);
            }
            g.put("rules", list);
            byNamespace.computeIfAbsent(group.namespace(), n -> new ArrayList<>()).add(g);
        }
        if (byNamespace.isEmpty()) {
            return HttpResponse.<String>notFound("no rule groups found\n").contentType(MediaType.TEXT_PLAIN_TYPE);
        }
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return HttpResponse.ok(new Yaml(options).dump(byNamespace)).contentType(YAML);
    }

    @Get(value = "/prometheus/api/v1/rules", produces = MediaType.APPLICATION_JSON)
    public Map<String, Object> prometheusRules(@Nullable Authentication auth) {
        List<Map<String, Object>> groups = new ArrayList<>();
        for (RuleGroups.Group group : rules.visible(auth)) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (int i = 0; i < group.rules().size(); i++) {
                RuleGroups.Rule rule = group.rules().get(i);
                AlertEvaluator.RuleState state = evaluator.state(group, i);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("name", rule.name());
                r.put("query", rule.expr());
                r.put("labels", rule.labels());
                r.put("health", rule.alerting() ? state.health() : "unknown");
                r.put("type", rule.alerting() ? "alerting" : "recording");
                if (rule.alerting()) {
                    r.put("state", state.state());
                    r.put("duration", seconds(rule.forNanos()));
                    r.put("annotations", rule.annotations());
                    r.put("alerts", state.alerts().stream().map(RulesController::alert).toList());
                    r.put("lastError", state.lastError());
                    r.put("lastEvaluation", state.lastEvaluation() == null ? "0001-01-01T00:00:00Z"
                            : state.lastEvaluation().toString());
                }
                list.add(r);
            }
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("name", group.name());
            g.put("file", group.namespace());
            g.put("interval", seconds(group.intervalNanos()));
            g.put("rules", list);
            groups.add(g);
        }
        return Map.of("status", "success", "data", Map.of("groups", groups));
    }

    @Get(value = "/prometheus/api/v1/alerts", produces = MediaType.APPLICATION_JSON)
    public Map<String, Object> prometheusAlerts(@Nullable Authentication auth) {
        List<Map<String, Object>> alerts = new ArrayList<>();
        for (RuleGroups.Group group : rules.visible(auth)) {
            for (int i = 0; i < group.rules().size(); i++) {
                evaluator.state(group, i).alerts().forEach(a -> alerts.add(alert(a)));
            }
        }
        return Map.of("status", "success", "data", Map.of("alerts", alerts));
    }

    private static Map<String, Object> alert(AlertEvaluator.Active a) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("labels", a.labels());
        out.put("annotations", a.annotations());
        out.put("state", a.firing() ? "firing" : "pending");
        out.put("activeAt", a.activeAt().toString());
        out.put("value", io.logstream.query.loki.MetricEvaluator.format(a.value()));
        return out;
    }

    private static long seconds(long nanos) {
        return nanos / 1_000_000_000L;
    }
}
