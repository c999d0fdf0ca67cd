package io.logstream.model;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.UUID;
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
        String value = text.trim();
        long millis;
        if (value.matches("\\d{1,13}")) {
            millis = Long.parseLong(value);
        } else {
            try {
                millis = OffsetDateTime.parse(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
            } catch (DateTimeException | ArithmeticException e) {
                return Optional.empty();
            }
        }
        return millis < 0 || millis > MAX_TS ? Optional.empty() : Optional.of(millis);
    }

    public static boolean isValidName(String value) {
        return value != null && NAME.matcher(value).matches();
    }

    static String padMillis(long millis) {
        if (millis < 0 || millis > MAX_TS) {
            throw new IllegalArgumentException("timestamp out of range 0.." + MAX_TS + ": " + millis);
        }
        String digits = Long.toString(millis);
        return "0".repeat(13 - digits.length()) + digits;
    }
}
