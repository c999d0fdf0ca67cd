package io.logstream.consumer.core;

import io.logstream.model.Buckets;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * When a service gets more or fewer write buckets (docs/scale.md): pure, with no IO and no clock of its own. Each tick
 * it is given the heat since the last tick and the bucket table as read, and answers the epochs to append; the
 * caller appends them and says so ({@link #appended}).
 * <ul>
 *   <li>a pinned count is appended whenever the table disagrees with it, and nothing else changes that service;</li>
 *   <li>throttled writes grow the count fourfold (at least to what the rate needs);</li>
 *   <li>a rate per bucket past {@code growAt} of the key limit grows it to what the rate needs at {@code target};</li>
 *   <li>a service that fits in a quarter of its buckets for {@code shrinkAfter} shrinks to what it needs.</li>
 * </ul>
 * A service whose newest epoch has not started yet, or for which this worker decided in the last
 * {@link #MIN_DECISION_GAP_MILLIS}, is left until its epoch is in use.
 */
public final class BucketPolicy {
    /** A worker appends at most one epoch per service in this time, so two disagreeing pins cannot flood the table. */
    public static final long MIN_DECISION_GAP_MILLIS = 30_000;

    /** The settings the decisions follow ({@code log-stream.buckets}). */
    public record Limits(boolean auto, int keyWriteLimit, double growAt, double target, int maxBuckets,
                         long shrinkAfterMillis) {
    }

    /** One service's write units and throttled writes since the last tick. */
    public record Heat(long units, long throttled) {
    }

    /** An epoch to append: {@code count} buckets for {@code service}, for {@code reason}. */
    public record Decision(String service, int count, String reason) {
    }

    private final Limits limits;
    private final Map<String, Integer> pinned;
    private final Map<String, Long> lowSince = new HashMap<>();
    private final Map<String, Long> decidedAt = new HashMap<>();

    public BucketPolicy(Limits limits, Map<String, Integer> pinned) {
        this.limits = limits;
        this.pinned = Map.copyOf(pinned);
    }

    /**
     * @param heat    the heat per service since the last tick (services without are cold)
     * @param tables  the bucket table as last read
     * @param now     the tick's time, epoch millis
     * @param seconds the tick's length
     */
    public List<Decision> decide(Map<String, Heat> heat, Map<String, Buckets.Table> tables, long now, double seconds) {
        Set<String> services = new TreeSet<>(heat.keySet());
        tables.forEach((service, buckets) -> {
            if (buckets.latest() > 1) {
                services.add(service);
            }
        });
        services.addAll(pinned.keySet());
        List<Decision> decisions = new ArrayList<>();
        for (String service : services) {
            Heat h = heat.getOrDefault(service, new Heat(0, 0));
            Buckets.Table current = tables.getOrDefault(service, Buckets.Table.SINGLE);
            if (current.latestFrom() > now || now - decidedAt.getOrDefault(service, 0L) < MIN_DECISION_GAP_MILLIS) {
                continue; // an epoch waits to start, or this worker just decided: judge it once it is in use
            }
            Integer pin = pinned.get(service);
            if (pin != null) {
                if (current.latest() != pin) {
                    decisions.add(new Decision(service, pin, "pinned"));
                }
                continue;
            }
            if (limits.auto()) {
                Decision decision = judge(service, current.latest(), h.units() / seconds, h.throttled(), now);
                if (decision != null) {
                    decisions.add(decision);
                }
            }
        }
        return decisions;
    }

    /** The caller appended an epoch for {@code service} at {@code now}. */
    public void appended(String service, long now) {
        decidedAt.put(service, now);
        lowSince.remove(service);
    }

    /** Grows or shrinks one service's count on its rate (units a second) and throttled writes since the last tick. */
    private Decision judge(String service, int count, double rate, long throttled, long now) {
        double sized = limits.target() * limits.keyWriteLimit();
        int fits = Math.min(limits.maxBuckets(), powerOfTwoAtLeast((int) Math.ceil(rate / sized)));
        if (throttled > 0 && count < limits.maxBuckets()) {
            return new Decision(service, Math.max(fits, Math.min(limits.maxBuckets(), count * 4)), "throttled");
        }
        if (rate / count >= limits.growAt() * limits.keyWriteLimit() && fits > count) {
            return new Decision(service, fits, "near-limit");
        }
        if (count > 1 && fits * 4 <= count && limits.shrinkAfterMillis() > 0) {
            long since = lowSince.computeIfAbsent(service, s -> now);
            return now - since >= limits.shrinkAfterMillis() ? new Decision(service, fits, "cooled") : null;
        }
        lowSince.remove(service);
        return null;
    }

    public static int powerOfTwoAtLeast(int n) {
        int power = 1;
        while (power < n) {
            power <<= 1;
        }
        return power;
    }
}
