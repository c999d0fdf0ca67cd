package io.logstream.query.rules;

import io.logstream.query.logql.LogQl;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Rule files read and checked as Prometheus checks them: every problem named, a bad file refused whole. */
class RuleGroupsTest {
    private static final String FILE = """
            groups:
              - name: checkout
                interval: 30s
                rules:
                  - alert: CheckoutErrors
                    expr: sum(rate({service="checkout", level=~"ERROR|FATAL"}[5m])) / sum(rate({service="checkout"}[5m])) > 0.02
                    for: 5m
                    labels:
                      severity: page
                    annotations:
                      summary: "checkout 5xx over 2 %"
                  - record: route:timeouts:count1m
                    expr: sum by (route) (count_over_time({service="checkout"} |= "timeout" [1m]))
              - name: defaults
                rules:
                  - alert: Quiet
                    expr: absent_over_time({service="payments"}[10m])
            """;

    @Test
    void aRuleFileReadsAsItsGroupsWithEveryExpressionParsed() {
        List<RuleGroups.Group> groups = RuleGroups.parse("team-a", FILE);
        assertThat(groups).extracting(RuleGroups.Group::name).containsExactly("checkout", "defaults");
        RuleGroups.Group checkout = groups.get(0);
        assertThat(checkout.namespace()).isEqualTo("team-a");
        assertThat(checkout.intervalNanos()).isEqualTo(30_000_000_000L);
        assertThat(groups.get(1).intervalNanos()).as("Prometheus's default").isEqualTo(60_000_000_000L);
        RuleGroups.Rule alert = checkout.rules().get(0);
        assertThat(alert.alerting()).isTrue();
        assertThat(alert.forNanos()).isEqualTo(300_000_000_000L);
        assertThat(alert.labels()).containsEntry("severity", "page");
        assertThat(alert.annotations()).containsEntry("summary", "checkout 5xx over 2 %");
        assertThat(alert.parsed()).isInstanceOf(LogQl.Comparison.class);
        RuleGroups.Rule record = checkout.rules().get(1);
        assertThat(record.alerting()).isFalse();
        assertThat(record.name()).isEqualTo("route:timeouts:count1m");
        assertThat(RuleGroups.selectors(alert.parsed())).hasSize(2)
                .allSatisfy(selector -> assertThat(selector).anySatisfy(m -> assertThat(m.value()).isEqualTo("checkout")));
    }

    @Test
    void everyProblemOfABadFileIsNamedAndTheFileRefusedWhole() {
        String bad = """
                groups:
                  - name: g
                    interval: soon
                    rules:
                      - alert: A
                        record: b
                        expr: sum(rate({service="a"}[5m]))
                      - record: "not a name"
                        expr: '{service="a"}'
                      - alert: C
                        expr: sum(rate({service="a"}[5m]) > bool
                        for: 1m
                        labels:
                          __reserved: x
                        severity: page
                  - name: g
                    rules: []
                """;
        assertThatThrownBy(() -> RuleGroups.parse("ns", bad)).isInstanceOfSatisfying(RuleGroups.InvalidRules.class,
                e -> assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("interval: not a duration"))
                        .anySatisfy(p -> assertThat(p).contains("exactly one of alert and record"))
                        .anySatisfy(p -> assertThat(p).contains("record must be a metric name"))
                        .anySatisfy(p -> assertThat(p).contains("expr must be a metric query"))
                        .anySatisfy(p -> assertThat(p).contains("rule 3 (C): expr:"))
                        .anySatisfy(p -> assertThat(p).contains("invalid name __reserved"))
                        .anySatisfy(p -> assertThat(p).contains("unknown key severity"))
                        .anySatisfy(p -> assertThat(p).contains("group g appears twice"))
                        .anySatisfy(p -> assertThat(p).contains("group g has no rules")));
        assertThatThrownBy(() -> RuleGroups.parse("ns", "groups: [a: &x [*x, *x]]"))
                .isInstanceOf(RuleGroups.InvalidRules.class);
        assertThatThrownBy(() -> RuleGroups.parse("ns", "a: b\na: c"))
                .isInstanceOf(RuleGroups.InvalidRules.class);
        assertThatThrownBy(() -> RuleGroups.parse("ns", "!!java.lang.Object {}"))
                .isInstanceOf(RuleGroups.InvalidRules.class).hasMessageContaining("not YAML");
    }

    @Test
    void theLocalRunsRuleFileIsValid() throws Exception {
        String file = java.nio.file.Files.readString(java.nio.file.Path.of("../config/rules/local.yaml"));
        List<RuleGroups.Group> groups = RuleGroups.parse("local", file);
        assertThat(groups).hasSize(1);
        assertThat(groups.get(0).rules()).extracting(RuleGroups.Rule::name)
                .containsExactly("CheckoutErrors", "CheckoutSlowRequests", "service:error_lines:rate1m",
                        "checkout:timeouts:count1m");
    }
}
