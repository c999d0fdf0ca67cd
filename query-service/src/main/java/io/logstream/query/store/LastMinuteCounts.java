package io.logstream.query.store;

import io.logstream.model.Counts;
import io.logstream.model.LogLevel;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each service's records in one minute, for the catalogue ({@code GET /v1/services}). One small count read per
 * service and minute, kept for {@value #TTL_MILLIS} ms (late records may still add to a minute) and dropped once a
 * newer minute is asked for.
 */
@Singleton
public class LastMinuteCounts {
    static final long TTL_MILLIS = 15_000;

    private final CountReader counts;
    private final ReadBudgets budgets;
    private final Clock clock;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    private record Entry(long minuteEnd, long records, long readAt) {
    }

    public LastMinuteCounts(CountReader counts, ReadBudgets budgets, Clock clock) {
        this.counts = counts;
        this.budgets = budgets;
        this.clock = clock;
    }

    /** The service's records with {@code minuteEnd - 60 s < ts <= minuteEnd}. */
    public long of(String service, long minuteEnd) {
        long now = clock.millis();
        Entry entry = cache.get(service);
        if (entry != null && entry.minuteEnd() == minuteEnd && now - entry.readAt() < TTL_MILLIS) {
            return entry.records();
        }
        long records = 0;
        for (CountReader.Series series : counts.read(List.of(service), EnumSet.allOf(LogLevel.class), null, false,
                new CountReader.Span(minuteEnd, minuteEnd), budgets.start())) {
            records += series.between(minuteEnd - Counts.MINUTE_MILLIS, minuteEnd)[0];
        }
        cache.put(service, new Entry(minuteEnd, records, now));
        return records;
    }

    /** The end of the last minute the count watermark covers. */
    public static long lastCompleteMinute(long countedUntilMillis) {
        return Math.floorDiv(countedUntilMillis, Counts.MINUTE_MILLIS) * Counts.MINUTE_MILLIS;
    }
}
