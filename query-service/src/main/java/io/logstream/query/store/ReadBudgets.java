package io.logstream.query.store;

import io.logstream.query.config.ReadSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;

import java.util.EnumMap;
import java.util.Map;

/**
 * Hands each request its {@link ReadBudget} ({@code log-stream.reads.budget-pages} pages within
 * {@code log-stream.reads.deadline}) and counts the budgets that ran out, by cause:
 * {@code logstream_query_budget_exhausted_total{cause="pages"|"deadline"}}.
 */
@Singleton
public class ReadBudgets {
    private final int pages;
    private final long deadlineNanos;
    private final Map<ReadBudget.Cause, Counter> exhausted = new EnumMap<>(ReadBudget.Cause.class);

    public ReadBudgets(ReadSettings settings, MeterRegistry registry) {
        this.pages = settings.budgetPages();
        this.deadlineNanos = settings.deadline().toNanos();
        for (ReadBudget.Cause cause : ReadBudget.Cause.values()) {
            exhausted.put(cause, Counter.builder("logstream.query.budget.exhausted")
                    .description("Requests whose DynamoDB budget (pages or deadline) ran out; their answers are cut short")
                    .tag("cause", cause.name().toLowerCase()).register(registry));
        }
    }

    /** A request's budget, its deadline counted from now. */
    public ReadBudget start() {
        return start(pages);
    }

    /** A budget of {@code maxPages} pages within the request deadline (a tail's poll). */
    public ReadBudget start(int maxPages) {
        return new ReadBudget(maxPages, System.nanoTime() + deadlineNanos, cause -> exhausted.get(cause).increment());
    }
}
