package io.logstream.query.rules;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Status;
import io.logstream.query.problem.InvalidParameter;
import io.logstream.query.problem.InvalidRequestException;
import io.logstream.query.security.ServiceAccess;
import io.logstream.query.store.RuleGroupTable;
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
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules a caller may see and write, as Loki's ruler serves them:
 * <ul>
 *   <li>{@code GET /loki/api/v1/rules} (every namespace), {@code GET /loki/api/v1/rules/{namespace}} and
 *   {@code GET /loki/api/v1/rules/{namespace}/{group}}: the groups as YAML, by namespace;</li>
 *   <li>{@code POST /loki/api/v1/rules/{namespace}} (one group's YAML; replaces a group of that name),
 *   {@code DELETE /loki/api/v1/rules/{namespace}/{group}} and {@code DELETE /loki/api/v1/rules/{namespace}}: 202, as
 *   Loki answers, stored in DynamoDB for every replica ({@link Rules}). A caller may write or delete a group only if
 *   its token may read every service the group's rules read; the rule file's namespace is read-only;</li>
 *   <li>{@code GET /prometheus/api/v1/rules} (Prometheus's JSON, which Grafana's alerting UI reads) with each rule's
 *   state, health and alerts ({@link RuleEvaluator}), and {@code GET /prometheus/api/v1/alerts}.</li>
 * </ul>
 * Same authentication as every read; a caller sees the groups whose services it may read.
 */
@Hidden
@Controller
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
public class RulesController {
    private static final MediaType YAML = MediaType.of("application/yaml");
    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    /** Most groups the ruler API keeps, over every namespace. */
    static final int MAX_STORED_GROUPS = 2_000;
    private final Rules rules;
    private final RuleEvaluator evaluator;
    private final RuleGroupTable table;
    private final ServiceAccess access;

    public RulesController(Rules rules, RuleEvaluator evaluator, RuleGroupTable table, ServiceAccess access) {
        this.rules = rules;
        this.evaluator = evaluator;
        this.table = table;
        this.access = access;
    }

    @Get(value = "/loki/api/v1/rules")
    public HttpResponse<String> lokiRules(@Nullable Authentication auth) {
        return listing(rules.visible(auth), "no rule groups found");
    }

    @Get(value = "/loki/api/v1/rules/{namespace}")
    public HttpResponse<String> lokiNamespace(String namespace, @Nullable Authentication auth) {
        return listing(rules.visible(auth).stream().filter(g -> g.namespace().equals(namespace)).toList(),
                "no rule groups found in namespace " + namespace);
    }

    @Get(value = "/loki/api/v1/rules/{namespace}/{group}")
    public HttpResponse<String> lokiGroup(String namespace, String group, @Nullable Authentication auth) {
        return HttpResponse.ok(dump(yaml(visibleGroup(namespace, group, auth)))).contentType(YAML);
    }

    @Post(value = "/loki/api/v1/rules/{namespace}", consumes = {"application/yaml", "application/x-yaml",
            "text/yaml", MediaType.TEXT_PLAIN})
    @Status(HttpStatus.ACCEPTED)
    public Map<String, Object> write(String namespace, @Body String body, @Nullable Authentication auth) {
        writable(namespace);
        RuleGroups.Group group;
        try {
            group = RuleGroups.parseGroup(namespace, body);
        } catch (RuleGroups.InvalidRules e) {
            throw new InvalidRequestException(e.problems().stream().map(p -> new InvalidParameter("body", p))
                    .toList());
        }
        Set<String> services = Rules.services(group);
        services.forEach(service -> access.check(auth, service));
        boolean replaces = rules.all().stream().anyMatch(g -> g.key().equals(group.key()));
        if (!replaces && rules.all().size() - rules.fromFile().size() >= MAX_STORED_GROUPS) {
            throw new InvalidRequestException(List.of(new InvalidParameter("body", "the ruler keeps at most "
                    + MAX_STORED_GROUPS + " groups; delete one first")));
        }
        if (replaces) {
            visibleGroup(namespace, group.name(), auth); // replacing needs the right to read the group it replaces
        }
        table.put(new RuleGroupTable.Stored(namespace, group.name(), body, services));
        rules.reload();
        return accepted();
    }

    @Delete(value = "/loki/api/v1/rules/{namespace}/{group}")
    @Status(HttpStatus.ACCEPTED)
    public Map<String, Object> deleteGroup(String namespace, String group, @Nullable Authentication auth) {
        writable(namespace);
        visibleGroup(namespace, group, auth);
        table.delete(namespace, group);
        rules.reload();
        return accepted();
    }

    @Delete(value = "/loki/api/v1/rules/{namespace}")
    @Status(HttpStatus.ACCEPTED)
    public Map<String, Object> deleteNamespace(String namespace, @Nullable Authentication auth) {
        writable(namespace);
        List<RuleGroups.Group> groups = rules.all().stream().filter(g -> g.namespace().equals(namespace)).toList();
        if (groups.isEmpty()) {
            throw new RuleGroupNotFound("no rule groups found in namespace " + namespace);
        }
        for (RuleGroups.Group group : groups) {
            if (!rules.readable(group, auth)) {
                throw new io.micronaut.security.authentication.AuthorizationException(auth);
            }
        }
        groups.forEach(group -> table.delete(namespace, group.name()));
        rules.reload();
        return accepted();
    }

    private void writable(String namespace) {
        if (!NAMESPACE.matcher(namespace).matches()) {
            throw new InvalidRequestException(List.of(new InvalidParameter("namespace",
                    "1 to 128 characters of A-Z a-z 0-9 . _ -")));
        }
        if (rules.fileNamespace(namespace)) {
            throw new InvalidRequestException(List.of(new InvalidParameter("namespace", "namespace " + namespace
                    + " is the rule file's and is read-only through the API")));
        }
    }

    private RuleGroups.Group visibleGroup(String namespace, String name, @Nullable Authentication auth) {
        return rules.visible(auth).stream().filter(g -> g.namespace().equals(namespace) && g.name().equals(name))
                .findFirst().orElseThrow(() -> new RuleGroupNotFound("no rule group " + name + " in namespace "
                        + namespace));
    }

    private static Map<String, Object> accepted() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", "success");
        out.put("data", null);
        out.put("errorType", "");
        out.put("error", "");
        return out;
    }

    private static HttpResponse<String> listing(List<RuleGroups.Group> groups, String none) {
        Map<String, List<Map<String, Object>>> byNamespace = new LinkedHashMap<>();
        for (RuleGroups.Group group : groups) {
            byNamespace.computeIfAbsent(group.namespace(), n -> new ArrayList<>()).add(yaml(group));
        }
        if (byNamespace.isEmpty()) {
            throw new RuleGroupNotFound(none);
        }
        return HttpResponse.ok(dump(byNamespace)).contentType(YAML);
    }

    private static String dump(Object yaml) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return new Yaml(options).dump(yaml);
    }

    private static Map<String, Object> yaml(RuleGroups.Group group) {
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
        return g;
    }

    @Get(value = "/prometheus/api/v1/rules", produces = MediaType.APPLICATION_JSON)
    public Map<String, Object> prometheusRules(@Nullable Authentication auth) {
        List<Map<String, Object>> groups = new ArrayList<>();
        for (RuleGroups.Group group : rules.visible(auth)) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (int i = 0; i < group.rules().size(); i++) {
                RuleGroups.Rule rule = group.rules().get(i);
                RuleEvaluator.RuleState state = evaluator.state(group, i);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("name", rule.name());
                r.put("query", rule.expr());
                r.put("labels", rule.labels());
                r.put("health", state.health());
                r.put("type", rule.alerting() ? "alerting" : "recording");
                if (rule.alerting()) {
                    r.put("state", state.state());
                    r.put("duration", seconds(rule.forNanos()));
                    r.put("annotations", rule.annotations());
                    r.put("alerts", state.alerts().stream().map(RulesController::alert).toList());
                }
                r.put("lastError", state.lastError());
                r.put("lastEvaluation", state.lastEvaluation() == null ? "0001-01-01T00:00:00Z"
                        : state.lastEvaluation().toString());
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

    private static Map<String, Object> alert(RuleEvaluator.Active a) {
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
