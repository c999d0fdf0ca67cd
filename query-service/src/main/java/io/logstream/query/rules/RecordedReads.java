package io.logstream.query.rules;

import io.logstream.query.logql.LogQl;
import io.logstream.query.logql.LogQlException;
import io.logstream.query.loki.MetricEvaluator;
import io.logstream.query.loki.RecordedSeries;
import io.logstream.query.store.ReadBudget;
import io.logstream.query.store.RecordedTable;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A recording rule's series read back through the Loki API's metric queries ({@code name} or {@code name{matchers}}),
 * labelled with the series' labels, the rule's labels and {@code __name__}:
 * <ul>
 *   <li>a rule the counts answer ({@link MetricEvaluator#countable}) is its expression evaluated at the query's
 *   instants from the consumer's counts, which are kept at ingest, exactly and replay-safely: every instant has its
 *   exact value, a late record is in it once the watermark passes it, and nothing had to be evaluated before;</li>
 *   <li>any other rule is what its evaluations wrote ({@link RecordedTable}): at each instant, what the latest
 *   evaluation at or before it (within five minutes, Prometheus's lookback) gave; a series that evaluation did not
 *   give is absent, as Prometheus's staleness makes it.</li>
 * </ul>
 * A caller reads a recorded series only if it may read its group's services, as for the listings.
 */
@Singleton
public class RecordedReads implements RecordedSeries {
    private static final long LOOKBACK_NANOS = 5 * 60_000_000_000L;
    private final Rules rules;
    private final MetricEvaluator metrics;
    private final RecordedTable table;

    public RecordedReads(Rules rules, MetricEvaluator metrics, RecordedTable table) {
        this.rules = rules;
        this.metrics = metrics;
        this.table = table;
    }

    @Override
    public MetricEvaluator.Result evaluate(LogQl.Recorded recorded, long[] instants, @Nullable Authentication auth,
                                           ReadBudget budget) {
        RuleGroups.Rule rule = rules.visible(auth).stream().flatMap(g -> g.rules().stream())
                .filter(r -> !r.alerting() && r.record().equals(recorded.name())).findFirst()
                .orElseThrow(() -> new LogQlException("no recording rule named " + recorded.name()));
        Map<Map<String, String>, Double[]> series = new LinkedHashMap<>();
        if (metrics.countable(rule.parsed())) {
            MetricEvaluator.Result result = metrics.evaluate(rule.parsed(), instants, auth, budget);
            if (result.scalar()) {
                throw new LogQlException("recording rule " + rule.record() + " gives a number, not series");
            }
            result.series().forEach((labels, values) -> series.merge(labelled(rule, labels), values,
                    (a, b) -> a));
        } else if (instants.length > 0) {
            long from = Math.floorDiv(instants[0] - LOOKBACK_NANOS, 1_000_000L) + 1;
            long to = Math.floorDiv(instants[instants.length - 1], 1_000_000L);
            RecordedTable.Evaluations evaluations = table.read(rule.record(), Math.max(0, from), to, budget);
            // at each instant, the latest evaluation at or before it within the lookback, and that evaluation's
            // samples only: a series it did not give is absent there
            Map<Long, List<Integer>> indices = new java.util.HashMap<>();
            int e = -1;
            List<Long> times = evaluations.instants();
            for (int i = 0; i < instants.length; i++) {
                while (e + 1 < times.size() && times.get(e + 1) * 1_000_000L <= instants[i]) {
                    e++;
                }
                if (e >= 0 && instants[i] - times.get(e) * 1_000_000L < LOOKBACK_NANOS) {
                    indices.computeIfAbsent(times.get(e), k -> new ArrayList<>()).add(i);
                }
            }
            for (RecordedTable.Sample sample : evaluations.samples()) {
                for (int i : indices.getOrDefault(sample.millis(), List.of())) {
                    series.computeIfAbsent(labelled(rule, sample.labels()), k -> new Double[instants.length])[i]
                            = sample.value();
                }
            }
        }
        series.keySet().removeIf(labels -> !recorded.matchers().stream()
                .allMatch(m -> m.test(labels.getOrDefault(m.label(), ""))));
        return new MetricEvaluator.Result(false, series);
    }

    private static Map<String, String> labelled(RuleGroups.Rule rule, Map<String, String> labels) {
        Map<String, String> out = new TreeMap<>(labels);
        out.putAll(rule.labels());
        out.put("__name__", rule.record());
        return out;
    }
}
