package io.logstream.query.store;

import java.util.function.Consumer;

/**
 * What one request may spend on DynamoDB: a number of {@code Query} pages over all its selectors, services and levels,
 * and a deadline. The first page of a request is always allowed, so every request answers something; past the
 * budget a read stops where its answer is still a correct prefix and says so. Thread-safe: a request's segments
 * may read at once.
 */
public final class ReadBudget {
    /** Why a budget ran out, as the {@code cause} tag of {@code logstream_query_budget_exhausted_total}. */
    public enum Cause { PAGES, DEADLINE }

    private final int maxPages;
    private final long deadlineNanos;
    private final Consumer<Cause> onExhausted;
    private int pages;
    private Cause exhausted;

    ReadBudget(int maxPages, long deadlineNanos, Consumer<Cause> onExhausted) {
        this.maxPages = maxPages;
        this.deadlineNanos = deadlineNanos;
        this.onExhausted = onExhausted;
    }

    /** Takes one page; false (and from then on {@link #exhausted()}) when the pages or the time are spent. */
    public synchronized boolean take() {
        if (!left()) {
            return false;
        }
        pages++;
        return true;
    }

    /** Whether a page may still be read, without taking it; false from the first time the budget is found spent. */
    public synchronized boolean left() {
        if (exhausted != null) {
            return false;
        }
        if (pages > 0) {
            Cause cause = pages >= maxPages ? Cause.PAGES : System.nanoTime() - deadlineNanos >= 0 ? Cause.DEADLINE : null;
            if (cause != null) {
                exhausted = cause;
                onExhausted.accept(cause);
                return false;
            }
        }
        return true;
    }

    /** Counts a page that is read whatever the budget says (a level-index read, bounded by the page size itself). */
    public synchronized void spend() {
        pages++;
    }

    /** Why the budget ran out, or null while it has not. */
    public synchronized Cause exhausted() {
        return exhausted;
    }

    public int pages() {
        return pages;
    }

    public int maxPages() {
        return maxPages;
    }
}
