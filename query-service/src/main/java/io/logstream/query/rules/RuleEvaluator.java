package io.logstream.query.rules;

import io.logstream.query.logql.LogQlException;
import io.logstream.query.loki.MetricEvaluator;
import io.logstream.query.store.Completeness;
import io.logstream.query.store.ReadBudget;
import io.logstream.query.store.ReadBudgets;
import io.logstream.query.store.RecordedTable;
import io.logstream.query.store.RuleStateTable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.ObjectMapper;
import io.micronaut.serde.annotation.Serdeable;
import io.logstream.query.config.Replica;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Evaluates every rule group every {@code interval}, at the instants the interval divides, each once the completeness
 * watermark has passed it (never on a window the watermark has not passed, so a late record within it is counted), one
 * replica per group:
 * <ul>
 *   <li>A replica evaluates a group only while it holds the group's lease ({@link RuleStateTable}); it commits the
 *   group's state (pending and firing alerts, health) after every evaluation, conditionally on still holding it, and
 *   sends notifications only after that commit. A replica that takes a group over (its holder stopped, was killed or
 *   stalled past the lease) goes on from the last committed state, so a {@code for} already under way is neither
 *   restarted nor doubled, and a stalled holder that comes back finds its commit refused and sends nothing.</li>
 *   <li>Alerting rules, as Prometheus's rule manager: each series the expression gives is an active alert (the
 *   series' labels, the rule's labels, {@code alertname}); {@code pending} from the first evaluation that finds it,
 *   {@code firing} once active for {@code for}; sent when it starts firing and again every minute, with an
 *   {@code endsAt} four intervals (at least four minutes) ahead. An alert no longer found is resolved: sent with
 *   {@code endsAt} at that instant, and again every minute for 15 minutes (as Prometheus does), so a notification lost
 *   in a crash between commit and delivery is repaired by the next one.</li>
 *   <li>Recording rules: a rule whose expression the counts answer ({@link MetricEvaluator#countable}) is kept at
 *   ingest by the consumer's counts and read from them; any other is evaluated here and its samples written to
 *   {@link RecordedTable}, keyed by instant and series (an instant evaluated twice overwrites itself).</li>
 *   <li>An evaluation that fails (a read past the budget) leaves the alerts as they were and sets the rule's health
 *   to {@code err} with the message.</li>
 * </ul>
 * Off when {@code log-stream.rules.evaluate} is false (then {@link #evaluate} runs only when called).
 */
@Context
public class RuleEvaluator {
    private static final Logger LOG = LoggerFactory.getLogger(RuleEvaluator.class);
    private static final Duration RESEND = Duration.ofMinutes(1);
    private static final Duration RESOLVED_RETENTION = Duration.ofMinutes(15);
    /** Largest state a group may commit, under DynamoDB's 400 KB item. */
    static final int MAX_STATE_BYTES = 350_000;

    /** One rule's alerts and health, as last evaluated. */
    public record RuleState(String health, String lastError, @Nullable Instant lastEvaluation, List<Active> all) {
        static final RuleState NEW = new RuleState("unknown", "", null, List.of());

        /** The pending and firing alerts (not those resolved and still being resent). */
        public List<Active> alerts() {
            return all.stream().filter(a -> a.resolvedAt() == null).toList();
        }

        /** Prometheus's rule state: firing if any alert fires, else pending if any is pending, else inactive. */
        public String state() {
            List<Active> alerts = alerts();
            return alerts.stream().anyMatch(Active::firing) ? "firing" : alerts.isEmpty() ? "inactive" : "pending";
        }
    }

    /** An alert: active (pending or firing) or resolved at {@code resolvedAt}. */
    public record Active(Map<String, String> labels, Map<String, String> annotations, Instant activeAt, double value,
                         boolean firing, @Nullable Instant lastSent, @Nullable Instant resolvedAt) {
    }

    /** A group's rules' states by rule identity, held at {@code epoch}. */
    private record GroupState(long epoch, Map<String, RuleState> rules) {
    }

    @Serdeable
    record StoredAlert(Map<String, String> labels, Map<String, String> annotations, long activeAt, String value,
                       boolean firing, @Nullable Long lastSent, @Nullable Long resolvedAt) {
    }

    @Serdeable
    record StoredRule(String id, String health, String lastError, @Nullable Long lastEvaluation,
                      List<StoredAlert> alerts) {
    }

    @Serdeable
    record StoredGroup(List<StoredRule> rules) {
    }

    private final Rules rules;
    private final MetricEvaluator metrics;
    private final ReadBudgets budgets;
    private final Completeness completeness;
    private final List<AlertQueue> sinks;
    private final RuleStateTable table;
    private final RecordedTable recorded;
    private final ObjectMapper json;
    private final Clock clock;
    private final Duration lease;
    private final String owner;
    private final Map<String, GroupState> held = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final Map<String, Instant> due = new ConcurrentHashMap<>();
    private final Map<String, Map<String, RuleState>> seen = new ConcurrentHashMap<>();
    private final Map<String, Instant> seenAt = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;
    private final Counter pages;
    private final Counter evaluations;

    public RuleEvaluator(Rules rules, MetricEvaluator metrics, ReadBudgets budgets, Completeness completeness,
                         List<AlertQueue> sinks, RuleStateTable table, RecordedTable recorded,
                         ObjectMapper json, Clock clock, MeterRegistry registry,
                         @Value("${log-stream.rules.evaluate:true}") boolean evaluate,
                         @Value("${log-stream.rules.lease:0s}") Duration lease,
                         @Value("${log-stream.rules.owner:}") String owner) {
        this.rules = rules;
        this.metrics = metrics;
        this.budgets = budgets;
        this.completeness = completeness;
        this.sinks = List.copyOf(sinks);
        this.table = table;
        this.recorded = recorded;
        this.json = json;
        this.clock = clock;
        this.lease = lease;
        this.pages = Counter.builder("logstream.rules.read.pages")
                .description("DynamoDB pages (Query calls) read by rule evaluations").register(registry);
        this.evaluations = Counter.builder("logstream.rules.evaluations")
                .description("Rule evaluations by this replica").register(registry);
        FunctionCounter.builder("logstream.rules.state.reads", table, RuleStateTable::reads)
                .description("Rule state and lease reads (GetItem)").register(registry);
        FunctionCounter.builder("logstream.rules.state.writes", table, RuleStateTable::writes)
                .description("Rule state and lease writes (UpdateItem)").register(registry);
        Gauge.builder("logstream.rules.groups.held", held, Map::size)
                .description("Rule groups this replica holds the lease of").register(registry);
        this.owner = Replica.name(owner);
        // every 250 ms: cheap, a cached watermark
        this.scheduler = Replica.every(evaluate, "rule-evaluator", Duration.ofMillis(250), this::tick);
    }

    /**
     * Evaluates each group at the instants its interval divides (whole minutes for a 1m group, so the counts answer
     * its windows), each once the watermark has passed it (and never ahead of now); a group far behind goes on from
     * the latest such instant.
     */
    private void tick() {
        Instant now = clock.instant();
        Instant complete;
        try {
            // as a metric query's X-Complete-Until: the counts a rule may read trail the records by up to a flush
            Instant watermark = completeness.countedAndCompleteUntil();
            complete = watermark.isAfter(now) ? now : watermark;
        } catch (RuntimeException e) {
            LOG.warn("rules not evaluated: the watermark is unreadable: {}", e.getMessage());
            return;
        }
        for (RuleGroups.Group group : rules.all()) {
            long interval = Math.max(1, group.intervalNanos() / 1_000_000L);
            long latest = Math.floorDiv(complete.toEpochMilli(), interval) * interval;
            Instant next = due.computeIfAbsent(group.key(), k -> Instant.ofEpochMilli(latest));
            if (complete.isBefore(next)) {
                continue;
            }
            Instant at = next.toEpochMilli() + interval <= latest ? Instant.ofEpochMilli(latest) : next;
            due.put(group.key(), at.plusMillis(interval));
            try {
                evaluate(group, at);
            } catch (RuntimeException e) {
                LOG.warn("rule group {}/{} not evaluated: {}", group.namespace(), group.name(), e.getMessage());
            }
        }
    }

    /** How long a holder's lease lasts: {@code log-stream.rules.lease}, else two intervals and ten seconds. */
    private Duration lease(RuleGroups.Group group) {
        return lease.isZero() ? Duration.ofNanos(group.intervalNanos()).multipliedBy(2).plusSeconds(10) : lease;
    }

    /**
     * The state of a group's rule, by its position in the group: this replica's when it holds the group, else the
     * state its holder last committed (read again at most every five seconds).
     */
    public RuleState state(RuleGroups.Group group, int rule) {
        String id = ruleId(group.rules().get(rule));
        GroupState mine = held.get(group.key());
        Map<String, RuleState> states;
        if (mine != null) {
            states = mine.rules();
        } else {
            Instant now = clock.instant();
            Instant at = seenAt.get(group.key());
            if (at == null || now.isAfter(at.plusSeconds(5))) {
                seen.put(group.key(), decode(table.read(group.key())));
                seenAt.put(group.key(), now);
            }
            states = seen.get(group.key());
        }
        return states.getOrDefault(id, RuleState.NEW);
    }

    /** A rule's identity in the stored state: a changed rule starts afresh, as in Prometheus. */
    private static String ruleId(RuleGroups.Rule rule) {
        return (rule.alerting() ? "alert:" : "record:") + rule.name() + "\n" + rule.expr() + "\n" + rule.labels();
    }

    /**
     * Evaluates the group's rules at {@code at} (an instant the watermark has passed), if this replica holds or can
     * take the group's lease, commits the group's state and then queues what changed for Alertmanager. A rule whose
     * last evaluation is at or after {@code at} is skipped.
     *
     * @return the alerts queued for Alertmanager; none when another replica holds the group
     */
    public List<AlertQueue.Alert> evaluate(RuleGroups.Group group, Instant at) {
        String key = group.key();
        synchronized (locks.computeIfAbsent(key, k -> new Object())) {
            Instant now = clock.instant();
            GroupState mine = held.get(key);
            if (mine == null) {
                Optional<RuleStateTable.Held> taken = table.acquire(key, owner, now, now.plus(lease(group)));
                if (taken.isEmpty()) {
                    return List.of();
                }
                mine = new GroupState(taken.get().epoch(), decode(taken.get().state()));
                LOG.info("rule group {}/{} taken at epoch {}", group.namespace(), group.name(), mine.epoch());
            }
            List<AlertQueue.Alert> out = new ArrayList<>();
            Map<String, RuleState> next = new LinkedHashMap<>();
            for (RuleGroups.Rule rule : group.rules()) {
                String id = ruleId(rule);
                RuleState before = mine.rules().getOrDefault(id, RuleState.NEW);
                next.put(id, before.lastEvaluation() != null && !at.isAfter(before.lastEvaluation()) ? before
                        : rule.alerting() ? alerting(group, rule, before, at, out) : recording(rule, before, at));
            }
            String state = encode(next);
            if (state.length() > MAX_STATE_BYTES) {
                LOG.warn("rule group {}/{}: state of {} bytes is over {}; not committed", group.namespace(),
                        group.name(), state.length(), MAX_STATE_BYTES);
                return List.of();
            }
            if (!table.commit(key, owner, mine.epoch(), state, clock.instant().plus(lease(group)))) {
                LOG.warn("rule group {}/{} was taken over; this replica's evaluation is dropped", group.namespace(),
                        group.name());
                held.remove(key);
                return List.of();
            }
            held.put(key, new GroupState(mine.epoch(), next));
            sinks.forEach(sink -> sink.send(out));
            return out;
        }
    }

    private RuleState alerting(RuleGroups.Group group, RuleGroups.Rule rule, RuleState before, Instant at,
                               List<AlertQueue.Alert> out) {
        Map<Map<String, String>, Double> found;
        try {
            found = found(rule, at);
        } catch (LogQlException e) {
            return new RuleState("err", e.getMessage(), at, before.all());
        }
        return new RuleState("ok", "", at, advance(group, rule, before, found, at, out));
    }

    private RuleState recording(RuleGroups.Rule rule, RuleState before, Instant at) {
        if (metrics.countable(rule.parsed())) {
            return new RuleState("ok", "", at, List.of()); // the counts keep it; read from them
        }
        try {
            List<RecordedTable.Sample> samples = new ArrayList<>();
            series(rule, at).forEach((labels, value) -> samples.add(new RecordedTable.Sample(at.toEpochMilli(),
                    labels, value)));
            recorded.write(rule.record(), at.toEpochMilli(), samples);
            return new RuleState("ok", "", at, List.of());
        } catch (LogQlException e) {
            return new RuleState("err", e.getMessage(), at, before.all());
        }
    }

    /** The series a rule's expression gives at {@code at}, with the rule's labels (and its name, for an alert). */
    Map<Map<String, String>, Double> series(RuleGroups.Rule rule, Instant at) {
        long nanos = at.toEpochMilli() * 1_000_000L;
        ReadBudget budget = budgets.start();
        MetricEvaluator.Result result;
        try {
            result = metrics.evaluate(rule.parsed(), new long[]{nanos}, null, budget);
        } finally {
            evaluations.increment();
            pages.increment(budget.pages());
        }
        if (result.scalar()) {
            throw new LogQlException("a rule's expression must be a vector, not a number");
        }
        Map<Map<String, String>, Double> found = new LinkedHashMap<>();
        result.series().forEach((labels, values) -> {
            if (values[0] != null) {
                Map<String, String> series = new TreeMap<>(labels);
                series.putAll(rule.labels());
                found.put(series, values[0]);
            }
        });
        return found;
    }

    private Map<Map<String, String>, Double> found(RuleGroups.Rule rule, Instant at) {
        Map<Map<String, String>, Double> found = new LinkedHashMap<>();
        series(rule, at).forEach((labels, value) -> {
            Map<String, String> alert = new TreeMap<>(labels);
            alert.put("alertname", rule.alert());
            found.put(alert, value);
        });
        return found;
    }

    private List<Active> advance(RuleGroups.Group group, RuleGroups.Rule rule, RuleState state,
                                 Map<Map<String, String>, Double> found, Instant at,
                                 List<AlertQueue.Alert> out) {
        Duration validity = Duration.ofNanos(Math.max(group.intervalNanos(), 60_000_000_000L)).multipliedBy(4);
        Instant now = clock.instant();
        Instant validUntil = (now.isAfter(at) ? now : at).plus(validity);
        Map<Map<String, String>, Active> before = new LinkedHashMap<>();
        state.all().forEach(a -> before.put(a.labels(), a));
        List<Active> next = new ArrayList<>();
        for (Map.Entry<Map<String, String>, Double> e : found.entrySet()) {
            Active was = before.remove(e.getKey());
            if (was != null && was.resolvedAt() != null) {
                was = null; // active again after it resolved: a new alert
            }
            Instant activeAt = was == null ? at : was.activeAt();
            boolean firing = !at.isBefore(activeAt.plusNanos(rule.forNanos()));
            Instant lastSent = was == null ? null : was.lastSent();
            Map<String, String> annotations = Annotations.expand(rule.annotations(), e.getKey(), e.getValue());
            if (firing && (lastSent == null || !at.isBefore(lastSent.plus(RESEND)) || !was.firing())) {
                out.add(new AlertQueue.Alert(e.getKey(), annotations, activeAt, validUntil,
                        was == null || !was.firing()));
                lastSent = at;
            }
            next.add(new Active(e.getKey(), annotations, activeAt, e.getValue(), firing, lastSent, null));
        }
        for (Active gone : before.values()) {
            if (gone.resolvedAt() == null && !gone.firing()) {
                continue; // pending only: forgotten
            }
            Instant resolvedAt = gone.resolvedAt() == null ? at : gone.resolvedAt();
            if (at.isAfter(resolvedAt.plus(RESOLVED_RETENTION))) {
                continue;
            }
            Instant lastSent = gone.lastSent();
            if (gone.resolvedAt() == null || lastSent == null || !at.isBefore(lastSent.plus(RESEND))) {
                out.add(new AlertQueue.Alert(gone.labels(), gone.annotations(), gone.activeAt(), resolvedAt,
                        gone.resolvedAt() == null));
                lastSent = at;
            }
            next.add(new Active(gone.labels(), gone.annotations(), gone.activeAt(), gone.value(), false, lastSent,
                    resolvedAt));
        }
        return List.copyOf(next);
    }

    private String encode(Map<String, RuleState> states) {
        List<StoredRule> out = new ArrayList<>();
        states.forEach((id, s) -> out.add(new StoredRule(id, s.health(), s.lastError(),
                s.lastEvaluation() == null ? null : s.lastEvaluation().toEpochMilli(), s.all().stream()
                .map(a -> new StoredAlert(a.labels(), a.annotations(), a.activeAt().toEpochMilli(),
                        Double.toString(a.value()), a.firing(), millis(a.lastSent()), millis(a.resolvedAt())))
                .toList())));
        try {
            return json.writeValueAsString(new StoredGroup(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, RuleState> decode(String state) {
        Map<String, RuleState> out = new LinkedHashMap<>();
        if (state.isEmpty()) {
            return out;
        }
        try {
            for (StoredRule r : json.readValue(state, StoredGroup.class).rules()) {
                out.put(r.id(), new RuleState(r.health(), r.lastError(), instant(r.lastEvaluation()),
                        r.alerts().stream().map(a -> new Active(a.labels(), a.annotations(),
                                Instant.ofEpochMilli(a.activeAt()), Double.parseDouble(a.value()), a.firing(),
                                instant(a.lastSent()), instant(a.resolvedAt()))).toList()));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("a rule group's stored state is unreadable and starts afresh: {}", e.getMessage());
            out.clear();
        }
        return out;
    }

    private static Long millis(@Nullable Instant instant) {
        return instant == null ? null : instant.toEpochMilli();
    }

    private static Instant instant(@Nullable Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis);
    }

    @PreDestroy
    void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        held.forEach((key, state) -> {
            try {
                table.release(key, owner, state.epoch());
            } catch (RuntimeException e) {
                LOG.warn("lease of rule group {} not released: {}", key, e.getMessage());
            }
        });
        held.clear();
    }
}
