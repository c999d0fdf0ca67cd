package io.logstream.query.loki;

import io.logstream.query.logql.LogQlException;

import io.logstream.model.LogKeys;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;

/** Loki's time parameters: nanosecond epoch, seconds epoch (up to 10 digits, or with a fraction) or RFC 3339. */
final class LokiTime {
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private LokiTime() {
    }

    /** Loki's own range: nanoseconds in an int64, here kept at or above 0 and far from overflow. */
    static final long MAX_NANOS = Long.MAX_VALUE / 2;

    /** Epoch nanoseconds within 0..{@link #MAX_NANOS}, or {@code defaultNanos} when absent. */
    static long nanos(String name, String value, long defaultNanos) {
        return Math.max(0, Math.min(MAX_NANOS, parse(name, value, defaultNanos)));
    }

    private static long parse(String name, String value, long defaultNanos) {
        if (value == null || value.isBlank()) {
            return defaultNanos;
        }
        String v = value.trim();
        try {
            if (v.matches("-?\\d+\\.\\d*")) {
                return new BigDecimal(v).movePointRight(9).setScale(0, RoundingMode.HALF_UP).longValueExact();
            }
            if (v.matches("-?\\d{1,19}")) {
                long n = Long.parseLong(v);
                return v.replace("-", "").length() <= 10 ? Math.multiplyExact(n, 1_000_000_000L) : n;
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new LogQlException("invalid " + name + ": out of range");
        }
        Optional<Long> millis = LogKeys.parseMillis(v, true);
        if (millis.isEmpty() || v.matches("\\d+")) {
            throw new LogQlException("invalid " + name + ": expected a Unix epoch in nanoseconds or seconds, or an "
                    + "RFC 3339 date-time");
        }
        return millis.get() * NANOS_PER_MILLI + subMillisNanos(v);
    }

    /** Digits of an RFC 3339 fraction past the millisecond, as nanoseconds. */
    private static long subMillisNanos(String rfc3339) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\.(\\d{4,9})").matcher(rfc3339);
        if (!m.find()) {
            return 0;
        }
        String digits = (m.group(1) + "000000000").substring(0, 9);
        return Long.parseLong(digits.substring(3));
    }

    /** Inclusive lower bound in millis of every record at or after {@code nanos}. */
    static long fromMillis(long nanos) {
        return clamp(Math.floorDiv(nanos + NANOS_PER_MILLI - 1, NANOS_PER_MILLI));
    }

    /** Inclusive upper bound in millis of every record before {@code nanos} (Loki's end is exclusive). */
    static long toMillis(long nanos) {
        return clamp(Math.floorDiv(nanos - 1, NANOS_PER_MILLI));
    }

    static long clamp(long millis) {
        return Math.max(0, Math.min(LogKeys.MAX_TS, millis));
    }

    static String nanosText(long millis) {
        return Long.toString(millis) + "000000";
    }
}
