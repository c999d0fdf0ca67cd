package io.logstream.model;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The DynamoDB key scheme, in one place: {@code pk} = service, {@code sk} = 13-digit zero-padded epoch millis,
 * {@code #}, record id. Sort-key order is time order; ids are deterministic so a replayed record overwrites itself.
 */
public final class LogKeys {
    public static final String PK = "pk";
    public static final String SK = "sk";
    public static final long MAX_TS = 9_999_999_999_999L;
    /** Services and ids share one alphabet, all of it below {@code ~} so {@link #upperBound} closes a window. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:/-]{1,128}");
    private static final char SEPARATOR = '#';
    private static final String AFTER_EVERY_ID = "~";
    /** date and time up to the minute, seconds, fraction, then Z or an offset. */
    private static final Pattern RFC_3339 = Pattern.compile(
            "(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:)(\\d{2})(\\.\\d{1,9})?(Z|([+-])(\\d{2}):(\\d{2}))",
            Pattern.CASE_INSENSITIVE);

    private LogKeys() {
    }

    public static String sortKey(long ts, String id) {
        return padMillis(ts) + SEPARATOR + id;
    }

    public static long tsOf(String sortKey) {
        return Long.parseLong(sortKey.substring(0, sortKey.indexOf(SEPARATOR)));
    }

    public static String idOf(String sortKey) {
        return sortKey.substring(sortKey.indexOf(SEPARATOR) + 1);
    }

    /** Inclusive lower bound of every sort key at or after {@code fromMillis}. */
    public static String lowerBound(long fromMillis) {
        return padMillis(fromMillis) + SEPARATOR;
    }

    /** Inclusive upper bound of every sort key at or before {@code toMillis}. */
    public static String upperBound(long toMillis) {
        return padMillis(toMillis) + SEPARATOR + AFTER_EVERY_ID;
    }

    /** The id of a record that brought none: a name-based UUID of its Kinesis coordinates. */
    public static String derivedId(String shardId, String sequenceNumber, long subSequenceNumber) {
        String name = shardId + '/' + sequenceNumber + '/' + subSequenceNumber;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * Epoch milliseconds from a digit string or an ISO-8601 / RFC 3339 date-time with offset, if it is one and lies
     * within the key scheme's range 0..{@value #MAX_TS}.
     */
    public static Optional<Long> parseMillis(String text) {
        return parseMillis(text, false);
    }

    /**
     * As {@link #parseMillis(String)}, but with {@code clampDateTimes} a well-formed date-time outside the key range
     * is moved to its nearest end (0 or {@value #MAX_TS}): as a query bound it selects the same records. Digit strings
     * are never clamped: 14 digits is a typo, not a far future.
     */
    public static Optional<Long> parseMillis(String text, boolean clampDateTimes) {
        String value = text.trim();
        if (value.matches("\\d{1,13}")) {
            long millis = Long.parseLong(value);
            return millis > MAX_TS ? Optional.empty() : Optional.of(millis);
        }
        Optional<Long> parsed = rfc3339Millis(value);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        long millis = parsed.get();
        if (clampDateTimes) {
            return Optional.of(Math.max(0, Math.min(MAX_TS, millis)));
        }
        return millis < 0 || millis > MAX_TS ? Optional.empty() : Optional.of(millis);
    }

    /**
     * An RFC 3339 date-time: {@code T}/{@code Z} in either case, any offset up to ±23:59 (java.time stops at ±18:00),
     * a leap second {@code :60} counted as the next second.
     */
    private static Optional<Long> rfc3339Millis(String value) {
        Matcher m = RFC_3339.matcher(value);
        if (!m.matches()) {
            return Optional.empty();
        }
        boolean leapSecond = "60".equals(m.group(2));
        try {
            LocalDateTime local = LocalDateTime.parse(m.group(1).toUpperCase(Locale.ROOT) + (leapSecond ? "59" : m.group(2))
                    + (m.group(3) == null ? "" : m.group(3)));
            long offsetSeconds = 0;
            if (m.group(5) != null) {
                int hours = Integer.parseInt(m.group(6));
                int minutes = Integer.parseInt(m.group(7));
                if (hours > 23 || minutes > 59) {
                    return Optional.empty();
                }
                offsetSeconds = ("-".equals(m.group(5)) ? -1L : 1L) * (hours * 3600L + minutes * 60L);
            }
            long millis = Math.addExact(Math.multiplyExact(local.toEpochSecond(ZoneOffset.UTC) - offsetSeconds, 1000L),
                    local.getNano() / 1_000_000);
            return Optional.of(leapSecond ? millis + 1000 : millis);
        } catch (DateTimeException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    /** {@link #NAME}, checked char by char: it runs for every record's service and id. */
    public static boolean isValidName(String value) {
        if (value == null || value.isEmpty() || value.length() > 128) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '/' || c == '-';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    static String padMillis(long millis) {
        if (millis < 0 || millis > MAX_TS) {
            throw new IllegalArgumentException("timestamp out of range 0.." + MAX_TS + ": " + millis);
        }
        String digits = Long.toString(millis);
        return "0".repeat(13 - digits.length()) + digits;
    }
}
