package io.logstream.query.logql;

import java.util.Arrays;

/**
 * One series' samples (an entry's count, its size or its unwrapped value, at its time) and the range aggregations over
 * them, computed exactly from every sample in each window (t - range, t], as Loki's and Prometheus's functions are:
 * <ul>
 *   <li>{@code count_over_time}, {@code rate}, {@code bytes_over_time}, {@code bytes_rate}, {@code sum_over_time}: the
 *   count or the sum (per second for the rates);</li>
 *   <li>{@code avg_over_time}, {@code min_over_time}, {@code max_over_time}, {@code stddev_over_time},
 *   {@code stdvar_over_time} (population, Welford's method), {@code first_over_time}, {@code last_over_time} (by
 *   time, then by the entry's key);</li>
 *   <li>{@code quantile_over_time(φ)} as Prometheus computes it: the sorted values interpolated linearly at rank
 *   φ·(n - 1); φ &lt; 0 is -Inf, φ &gt; 1 +Inf;</li>
 *   <li>{@code rate_counter}: Prometheus's extrapolated rate of a counter over the window (resets add the value before
 *   them), 0 with fewer than two samples at distinct times, as Loki gives.</li>
 * </ul>
 * A window without samples has no point (null). Samples may be added from several threads.
 */
public final class RangeSeries {
    private long[] times = new long[16];
    private double[] values = new double[16];
    private String[] keys = new String[16];
    private int count;
    private boolean sorted = true;
    /** Whether every value is a whole number a double holds exactly (counts, sizes): prefix sums are then exact. */
    private boolean integral = true;
    private double[] prefix;

    /** A sample at {@code timeNanos}; {@code key} orders samples at one time (first and last). */
    public synchronized void add(long timeNanos, double value, String key) {
        if (count == times.length) {
            times = Arrays.copyOf(times, count * 2);
            values = Arrays.copyOf(values, count * 2);
            keys = Arrays.copyOf(keys, count * 2);
        }
        if (count > 0 && compare(count - 1, timeNanos, key) > 0) {
            sorted = false;
        }
        integral &= value == Math.rint(value) && Math.abs(value) < 1L << 40;
        prefix = null;
        times[count] = timeNanos;
        values[count] = value;
        keys[count] = key;
        count++;
    }

    public int size() {
        return count;
    }

    private int compare(int i, long time, String key) {
        int byTime = Long.compare(times[i], time);
        return byTime != 0 ? byTime : keys[i].compareTo(key);
    }

    private void sort() {
        if (sorted) {
            return;
        }
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> compare(a, times[b], keys[b]));
        long[] t = new long[times.length];
        double[] v = new double[times.length];
        String[] k = new String[times.length];
        for (int i = 0; i < count; i++) {
            t[i] = times[order[i]];
            v[i] = values[order[i]];
            k[i] = keys[order[i]];
        }
        times = t;
        values = v;
        keys = k;
        sorted = true;
    }

    /**
     * {@code function} at each instant over (t - range, t]; null where the window has no sample.
     *
     * @param parameter the quantile, for {@code quantile_over_time}
     */
    public synchronized Double[] over(long[] instants, long range, String function, Double parameter) {
        sort();
        Double[] out = new Double[instants.length];
        for (int i = 0; i < instants.length; i++) {
            int from = upperBound(instants[i] - range); // first sample after t - range
            int to = upperBound(instants[i]);           // first sample after t
            if (to > from) {
                out[i] = apply(function, parameter, from, to, instants[i], range);
            }
        }
        return out;
    }

    private double apply(String function, Double parameter, int from, int to, long end, long range) {
        double seconds = range / 1e9;
        return switch (function) {
            case "count_over_time" -> to - from;
            case "rate" -> sum(from, to) / seconds;
            case "bytes_over_time", "sum_over_time" -> sum(from, to);
            case "bytes_rate" -> sum(from, to) / seconds;
            case "avg_over_time" -> avg(from, to);
            case "min_over_time" -> min(from, to);
            case "max_over_time" -> max(from, to);
            case "stdvar_over_time" -> variance(from, to);
            case "stddev_over_time" -> Math.sqrt(variance(from, to));
            case "quantile_over_time" -> quantile(parameter, Arrays.copyOfRange(values, from, to));
            case "first_over_time" -> values[from];
            case "last_over_time" -> values[to - 1];
            case "rate_counter" -> counterRate(from, to, end - range, end, seconds);
            default -> throw new IllegalArgumentException("not a range aggregation: " + function);
        };
    }

    private double sum(int from, int to) {
        if (integral) {
            if (prefix == null) {
                prefix = new double[count + 1];
                for (int i = 0; i < count; i++) {
                    prefix[i + 1] = prefix[i] + values[i];
                }
            }
            return prefix[to] - prefix[from]; // exact: whole numbers far below 2^53
        }
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += values[i];
        }
        return sum;
    }

    /** The mean as Prometheus and Loki compute it incrementally, so that a sum that overflows still averages. */
    private double avg(int from, int to) {
        double mean = 0;
        double n = 0;
        for (int i = from; i < to; i++) {
            double v = values[i];
            n++;
            if (Double.isInfinite(mean) && (Double.isInfinite(v) && (mean > 0) == (v > 0)
                    || !Double.isInfinite(v) && !Double.isNaN(v))) {
                continue;
            }
            mean += v / n - mean / n;
        }
        return mean;
    }

    private double min(int from, int to) {
        double min = values[from];
        for (int i = from; i < to; i++) {
            if (values[i] < min || Double.isNaN(min)) {
                min = values[i];
            }
        }
        return min;
    }

    private double max(int from, int to) {
        double max = values[from];
        for (int i = from; i < to; i++) {
            if (values[i] > max || Double.isNaN(max)) {
                max = values[i];
            }
        }
        return max;
    }

    private double variance(int from, int to) {
        double mean = 0;
        double aux = 0;
        double n = 0;
        for (int i = from; i < to; i++) {
            n++;
            double delta = values[i] - mean;
            mean += delta / n;
            aux += delta * (values[i] - mean);
        }
        return aux / n;
    }

    /** Prometheus's quantile of {@code sample} (which it sorts); NaN when empty. */
    public static double quantile(double q, double[] sample) {
        if (sample.length == 0 || Double.isNaN(q)) {
            return Double.NaN;
        }
        if (q < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (q > 1) {
            return Double.POSITIVE_INFINITY;
        }
        Arrays.sort(sample);
        double n = sample.length;
        double rank = q * (n - 1);
        double lower = Math.max(0, Math.floor(rank));
        double upper = Math.min(n - 1, lower + 1);
        double weight = rank - Math.floor(rank);
        return sample[(int) lower] * (1 - weight) + sample[(int) upper] * weight;
    }

    /** Prometheus's extrapolatedRate(isCounter, isRate) over the window (start, end], times in nanoseconds. */
    private double counterRate(int from, int to, long start, long end, double seconds) {
        int n = to - from;
        long firstTime = times[from];
        long lastTime = times[to - 1];
        if (n < 2 || firstTime == lastTime) {
            return 0;
        }
        double first = values[from];
        double result = values[to - 1] - first;
        double previous = first;
        for (int i = from + 1; i < to; i++) {
            if (values[i] < previous) {
                result += previous; // a reset: the counter went on from previous
            }
            previous = values[i];
        }
        double toStart = (firstTime - start) / 1e9;
        double toEnd = (end - lastTime) / 1e9;
        double sampled = (lastTime - firstTime) / 1e9;
        double average = sampled / (n - 1);
        if (result > 0 && first >= 0) {
            toStart = Math.min(toStart, sampled * (first / result)); // never extrapolate below zero
        }
        double threshold = average * 1.1;
        double interval = sampled + (toStart < threshold ? toStart : average / 2)
                + (toEnd < threshold ? toEnd : average / 2);
        return result * (interval / sampled) / seconds;
    }

    private int upperBound(long value) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] <= value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
