package io.logstream.query.rules;

import io.logstream.query.logql.LogQlException;
import io.logstream.query.loki.MetricEvaluator;
import io.logstream.query.store.Completeness;
import io.logstream.query.store.ReadBudgets;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Evaluates the alerting rules of every group every {@code interval}, at the completeness watermark (never on a
 * window the watermark has not passed, so a late record within it is counted), as Prometheus's rule manager does:
 * <ul>
 *   <li>each series the expression gives at that instant is an active alert, labelled with the series' labels, the
 *   rule's labels and {@code alertname};</li>
 *   <li>an alert is {@code pending} from the first evaluation that finds it, and {@code firing} once it has been
 *   active for the rule's {@code for}; a firing alert goes to Alertmanager, again every minute while it fires, with an
 *   {@code endsAt} four intervals (at least four minutes) ahead;</li>
 *   <li>an alert no longer found is resolved: sent once more with {@code endsAt} at that instant (if it fired), then
 *   forgotten;</li>
 *   <li>an evaluation that fails (a read past the budget) leaves the alerts as they were and sets the rule's health to
 *   {@code err} with the message.</li>
 * </ul>
 * State is this process's, in memory (docs/rules.md says what is next: state in DynamoDB and one evaluator per group
 * by a lease). Recording rules are listed, not evaluated yet. Off when {@code log-stream.rules.evaluate} is false.
 */
@Context
public class AlertEvaluator {
    private static final Logger LOG = LoggerFactory.getLogger(AlertEvaluator.class);
    private static final Duration RESEND = Duration.ofMinutes(1);

    /** One rule's alerts and health. */
    public static final class RuleState {
        private final Map<Map<String, String>, Active> active = new LinkedHashMap<>();
        private String health = "unknown";
        private String lastError = "";
        private Instant lastEvaluation;

        public synchronized List<Active> alerts() {
            return List.copyOf(active.values());
        }

        public synchronized String health() {
            return health;
        }

        public synchronized String lastError() {
            return lastError;
        }

        public synchronized Instant lastEvaluation() {
            return lastEvaluation;
        }

        /** Prometheus's rule state: firing if any alert fires, else pending if any is pending, else inactive. */
        public synchronized String state() {
            return active.values().stream().anyMatch(Active::firing) ? "firing"
                    : active.isEmpty() ? "inactive" : "pending";
        }
    }

    /** An active alert. */
    public record Active(Map<String, String> labels, Map<String, String> annotations, Instant activeAt, double value,
                         boolean firing, Instant lastSent) {
    }

    private final Rules rules;
    private final MetricEvaluator metrics;
    private final ReadBudgets budgets;
    private final Completeness completeness;
    private final AlertmanagerNotifier notifier;
    private final Clock clock;
    private final Map<String, RuleState> states = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;

    public AlertEvaluator(Rules rules, MetricEvaluator metrics, ReadBudgets budgets, Completeness completeness,
                          AlertmanagerNotifier notifier, Clock clock,
                          @Value("${log-stream.rules.evaluate:true}") boolean evaluate) {
        this.rules = rules;
        this.metrics = metrics;
        this.budgets = budgets;
        this.completeness = completeness;
        this.notifier = notifier;
        this.clock = clock;
        List<RuleGroups.Group> groups = rules.all();
        this.scheduler = evaluate && !groups.isEmpty() ? Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "rule-evaluator");
            thread.setDaemon(true);
            return thread;
        }) : null;
        if (scheduler != null) {
            for (RuleGroups.Group group : groups) {
                long interval = Math.max(1, group.intervalNanos() / 1_000_000L);
                scheduler.scheduleAtFixedRate(() -> tick(group), interval, interval, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void tick(RuleGroups.Group group) {
        try {
            Instant now = clock.instant();
            Instant watermark = completeness.completeUntil();
            evaluate(group, watermark.isAfter(now) ? now : watermark);
        } catch (RuntimeException e) {
            LOG.warn("rule group {}/{} not evaluated: {}", group.namespace(), group.name(), e.getMessage());
        }
    }

    /** The state of a group's rule, by its position in the group. */
    public RuleState state(RuleGroups.Group group, int rule) {
        return states.computeIfAbsent(key(group, rule), k -> new RuleState());
    }

    private static String key(RuleGroups.Group group, int rule) {
        return group.namespace() + "\u0000" + group.name() + "\u0000" + rule;
    }

    /**
     * Evaluates the group's alerting rules at {@code at} (an instant the watermark has passed) and queues what
     * changed for Alertmanager. An instant before the rule's last evaluation is skipped.
     *
     * @return the alerts queued for Alertmanager
     */
    public synchronized List<AlertmanagerNotifier.Alert> evaluate(RuleGroups.Group group, Instant at) {
        List<AlertmanagerNotifier.Alert> out = new ArrayList<>();
        for (int i = 0; i < group.rules().size(); i++) {
            RuleGroups.Rule rule = group.rules().get(i);
            if (!rule.alerting()) {
                continue;
            }
            RuleState state = state(group, i);
            synchronized (state) {
                if (state.lastEvaluation != null && !at.isAfter(state.lastEvaluation)) {
                    continue;
                }
                Map<Map<String, String>, Double> found;
                try {
                    found = found(rule, at);
                    state.health = "ok";
                    state.lastError = "";
                } catch (LogQlException e) {
                    state.health = "err";
                    state.lastError = e.getMessage();
                    state.lastEvaluation = at;
                    continue;
                }
                state.lastEvaluation = at;
                out.addAll(advance(group, rule, state, found, at));
            }
        }
        notifier.send(out);
        return out;
    }

    /** The alerts the rule's expression finds at {@code at}: their labels and values. */
    private Map<Map<String, String>, Double> found(RuleGroups.Rule rule, Instant at) {
        long nanos = at.toEpochMilli() * 1_000_000L;
        MetricEvaluator.Result result = metrics.evaluate(rule.parsed(), new long[]{nanos}, null, budgets.start());
        if (result.scalar()) {
            throw new LogQlException("an alerting rule's expression must be a vector, not a number");
        }
        Map<Map<String, String>, Double> found = new LinkedHashMap<>();
        result.series().forEach((labels, values) -> {
            if (values[0] != null) {
                Map<String, String> alert = new TreeMap<>(labels);
                alert.putAll(rule.labels());
                alert.put("alertname", rule.alert());
                found.put(alert, values[0]);
            }
        });
        return found;
    }

    private List<AlertmanagerNotifier.Alert> advance(RuleGroups.Group group, RuleGroups.Rule rule, RuleState state,
                                                     Map<Map<String, String>, Double> found, Instant at) {
        List<AlertmanagerNotifier.Alert> out = new ArrayList<>();
        Duration validity = Duration.ofNanos(Math.max(group.intervalNanos(), 60_000_000_000L)).multipliedBy(4);
        Instant now = clock.instant();
        Instant validUntil = (now.isAfter(at) ? now : at).plus(validity);
        for (Map.Entry<Map<String, String>, Double> e : found.entrySet()) {
            Active before = state.active.get(e.getKey());
            Instant activeAt = before == null ? at : before.activeAt();
            boolean firing = !at.isBefore(activeAt.plusNanos(rule.forNanos()));
            Instant lastSent = before == null ? null : before.lastSent();
            if (firing && (lastSent == null || !at.isBefore(lastSent.plus(RESEND)) || !before.firing())) {
                out.add(new AlertmanagerNotifier.Alert(e.getKey(), rule.annotations(), activeAt, validUntil));
                lastSent = at;
            }
            state.active.put(e.getKey(), new Active(e.getKey(), rule.annotations(), activeAt, e.getValue(), firing,
                    lastSent));
        }
        state.active.entrySet().removeIf(entry -> {
            if (found.containsKey(entry.getKey())) {
                return false;
            }
            Active gone = entry.getValue();
            if (gone.firing()) {
                out.add(new AlertmanagerNotifier.Alert(gone.labels(), gone.annotations(), gone.activeAt(), at));
            }
            return true;
        });
        return out;
    }

    @PreDestroy
    void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
