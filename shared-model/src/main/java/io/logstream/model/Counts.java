package io.logstream.model;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The count items: records and bytes per service, level and minute, kept by the consumer's shards together
 * (docs/counts.md).
 * <ul>
 *   <li>A minute is named by its end E and holds the records with {@code E - 60 s < ts <= E}: Loki's windows are
 *   open on the left, so a metric query at whole minutes with a range of whole minutes adds whole count items.</li>
 *   <li>Level items hold {@value #BLOCK_MINUTES} minutes each: {@code pk = #count#<service>},
 *   {@code sk = <9-digit E / 60 s of the block's last minute>}, with {@code n<L><i>} records and {@code b<L><i>} bytes
 *   per level L (its initial: T D I W E F) and minute i of the block (0-4). A day of a service is 288 items.</li>
 *   <li>Host items hold one minute: {@code pk = #hostcount#<service>}, {@code sk = <9-digit E / 60 s>}, with
 *   {@code n<L>|<host>} and {@code b<L>|<host>} for the records that carry a host. A record without a host is in the
 *   level item only, so the level item less the host items is the host-less series.</li>
 *   <li>Every shard adds to the same items. For each shard that did, an item carries {@code o<shard>}, the counting
 *   epoch of the shard's owner, and {@code p<shard>}, the shard position (sequence and subsequence number) of the
 *   shard's last flush that added to it: a replayed record at or before it is already counted. {@code <shard>} is the
 *   shard id's number ({@code shardId-000000000007} is {@code 7}).</li>
 * </ul>
 * Bytes are the UTF-8 bytes of the message, the line Loki clients see by default.
 */
public final class Counts {
    public static final long MINUTE_MILLIS = 60_000;
    public static final int BLOCK_MINUTES = 5;
    public static final String LEVELS_PREFIX = "#count#";
    public static final String HOSTS_PREFIX = "#hostcount#";
    private static final char HOST_SEPARATOR = '|';
    private static final Pattern SHARD_NUMBER = Pattern.compile("shardId-0*(\\d+)");
    private static final LogLevel[] LEVELS = LogLevel.values();

    private Counts() {
    }

    /** The end of the count minute that holds a record of time {@code ts}. */
    public static long minuteEnd(long ts) {
        return Math.floorDiv(ts + MINUTE_MILLIS - 1, MINUTE_MILLIS) * MINUTE_MILLIS;
    }

    /** The end of the last minute of the level item (block of {@value #BLOCK_MINUTES} minutes) holding a minute. */
    public static long blockEnd(long minuteEnd) {
        long block = Math.floorDiv(Math.floorDiv(minuteEnd, MINUTE_MILLIS) - 1, BLOCK_MINUTES);
        return (block + 1) * BLOCK_MINUTES * MINUTE_MILLIS;
    }

    /** A minute's place in its level item, 0 to {@value #BLOCK_MINUTES} - 1. */
    public static int minuteOfBlock(long minuteEnd) {
        return (int) ((BLOCK_MINUTES - 1) - (blockEnd(minuteEnd) - minuteEnd) / MINUTE_MILLIS);
    }

    public static String levelsPk(String service) {
        return LEVELS_PREFIX + service;
    }

    public static String hostsPk(String service) {
        return HOSTS_PREFIX + service;
    }

    /** A count item's sort key: its (last) minute. */
    public static String sortKey(long minuteEnd) {
        return minutePrefix(minuteEnd);
    }

    /** The attribute of an item holding the counting epoch of a shard's owner. */
    public static String ownerName(String shardId) {
        return "o" + shortShard(shardId);
    }

    /** The attribute of an item holding the position of the shard's last flush into it. */
    public static String positionName(String shardId) {
        return "p" + shortShard(shardId);
    }

    private static String shortShard(String shardId) {
        Matcher m = SHARD_NUMBER.matcher(shardId);
        return m.matches() ? m.group(1) : shardId;
    }

    /**
     * Bounds (inclusive) of every host item of the minutes ending in [{@code firstEnd}, {@code lastEnd}]; for level
     * items, pass the {@link #blockEnd}s.
     */
    public static String lowerBound(long firstEnd) {
        return minutePrefix(firstEnd);
    }

    public static String upperBound(long lastEnd) {
        return minutePrefix(lastEnd);
    }

    public static long minuteEndOf(String sortKey) {
        return Long.parseLong(sortKey) * MINUTE_MILLIS;
    }

    private static String minutePrefix(long minuteEnd) {
        return String.format("%09d", Math.floorDiv(minuteEnd, MINUTE_MILLIS));
    }

    /** A level item's records of a level in minute {@code i} of its block. */
    public static String countName(LogLevel level, int minuteOfBlock) {
        return "n" + level.name().charAt(0) + minuteOfBlock;
    }

    public static String bytesName(LogLevel level, int minuteOfBlock) {
        return "b" + level.name().charAt(0) + minuteOfBlock;
    }

    public static String hostCountName(LogLevel level, String host) {
        return "n" + level.name().charAt(0) + HOST_SEPARATOR + host;
    }

    public static String hostBytesName(LogLevel level, String host) {
        return "b" + level.name().charAt(0) + HOST_SEPARATOR + host;
    }

    /** What a record adds to the bytes: its message in UTF-8. */
    public static long lineBytes(LogRecord record) {
        return record.message().getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * A shard position that sorts as DynamoDB compares binary values (unsigned, byte by byte): the sequence number's
     * length, its magnitude, then the subsequence number.
     */
    public static byte[] position(String sequenceNumber, long subSequenceNumber) {
        byte[] magnitude = new BigInteger(sequenceNumber).toByteArray();
        int skip = magnitude.length > 1 && magnitude[0] == 0 ? 1 : 0;
        ByteBuffer buffer = ByteBuffer.allocate(1 + magnitude.length - skip + Long.BYTES);
        buffer.put((byte) (magnitude.length - skip)).put(magnitude, skip, magnitude.length - skip)
                .putLong(subSequenceNumber);
        return buffer.array();
    }

    public static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    /** Records and bytes per level (indexed by ordinal), to add to an item or read from one. */
    public static final class Tally {
        private final long[] records = new long[LEVELS.length];
        private final long[] bytes = new long[LEVELS.length];

        public void add(LogLevel level, long records, long bytes) {
            this.records[level.ordinal()] += records;
            this.bytes[level.ordinal()] += bytes;
        }

        public void add(Tally other) {
            for (int i = 0; i < LEVELS.length; i++) {
                records[i] += other.records[i];
                bytes[i] += other.bytes[i];
            }
        }

        public void subtract(Tally other) {
            for (int i = 0; i < LEVELS.length; i++) {
                records[i] -= other.records[i];
                bytes[i] -= other.bytes[i];
            }
        }

        public long records(LogLevel level) {
            return records[level.ordinal()];
        }

        public long bytes(LogLevel level) {
            return bytes[level.ordinal()];
        }

        public boolean isEmpty() {
            return Arrays.stream(records).allMatch(r -> r == 0);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tally t && Arrays.equals(records, t.records) && Arrays.equals(bytes, t.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(records) * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            Map<String, String> shown = new TreeMap<>();
            for (LogLevel level : LEVELS) {
                if (records(level) != 0) {
                    shown.put(level.name(), records(level) + "/" + bytes(level) + "B");
                }
            }
            return shown.toString();
        }
    }

    /** The tally of each minute (by its end) of a level item. */
    public static Map<Long, Tally> levelMinutes(Map<String, AttributeValue> item) {
        long blockEnd = minuteEndOf(item.get(LogKeys.SK).s());
        Map<Long, Tally> minutes = new TreeMap<>();
        item.forEach((name, value) -> {
            if (name.length() == 3 && name.charAt(0) == 'n' && Character.isDigit(name.charAt(2))) {
                int minute = name.charAt(2) - '0';
                AttributeValue b = item.get("b" + name.substring(1));
                minutes.computeIfAbsent(blockEnd - (BLOCK_MINUTES - 1 - minute) * MINUTE_MILLIS, m -> new Tally())
                        .add(levelOf(name.charAt(1)), Long.parseLong(value.n()), b == null ? 0 : Long.parseLong(b.n()));
            }
        });
        return minutes;
    }

    /** A level item's tally over all its minutes. */
    public static Tally levelsOf(Map<String, AttributeValue> item) {
        Tally tally = new Tally();
        levelMinutes(item).values().forEach(tally::add);
        return tally;
    }

    /** The tally of each host of a host item. */
    public static Map<String, Tally> hostsOf(Map<String, AttributeValue> item) {
        Map<String, Tally> hosts = new HashMap<>();
        item.forEach((name, value) -> {
            int split = name.indexOf(HOST_SEPARATOR);
            if (split == 2 && name.charAt(0) == 'n') {
                LogLevel level = levelOf(name.charAt(1));
                String host = name.substring(split + 1);
                AttributeValue b = item.get("b" + name.substring(1));
                hosts.computeIfAbsent(host, h -> new Tally()).add(level, Long.parseLong(value.n()),
                        b == null ? 0 : Long.parseLong(b.n()));
            }
        });
        return hosts;
    }

    private static LogLevel levelOf(char initial) {
        for (LogLevel level : LEVELS) {
            if (level.name().charAt(0) == initial) {
                return level;
            }
        }
        throw new IllegalArgumentException("no level starts with " + initial);
    }

    /**
     * The count items of some records of one service, as if {@code shardIds} had counted them, each up to
     * {@code position}: what a test or a benchmark writes when it stores records without a consumer.
     */
    public static List<Map<String, AttributeValue>> items(String service, Collection<LogRecord> records,
                                                          byte[] position, String... shardIds) {
        Map<String, Map<String, AttributeValue>> items = new TreeMap<>();
        for (LogRecord record : records) {
            long minuteEnd = minuteEnd(record.ts());
            long bytes = lineBytes(record);
            Map<String, AttributeValue> levels = items.computeIfAbsent("l" + blockEnd(minuteEnd),
                    k -> base(levelsPk(service), sortKey(blockEnd(minuteEnd)), position, shardIds));
            add(levels, countName(record.level(), minuteOfBlock(minuteEnd)), 1);
            add(levels, bytesName(record.level(), minuteOfBlock(minuteEnd)), bytes);
            if (record.host() != null && !record.host().isEmpty()) {
                Map<String, AttributeValue> hosts = items.computeIfAbsent("h" + minuteEnd,
                        k -> base(hostsPk(service), sortKey(minuteEnd), position, shardIds));
                add(hosts, hostCountName(record.level(), record.host()), 1);
                add(hosts, hostBytesName(record.level(), record.host()), bytes);
            }
        }
        return new java.util.ArrayList<>(items.values());
    }

    private static void add(Map<String, AttributeValue> item, String name, long value) {
        AttributeValue old = item.get(name);
        item.put(name, n((old == null ? 0 : Long.parseLong(old.n())) + value));
    }

    private static Map<String, AttributeValue> base(String pk, String sk, byte[] position, String... shardIds) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put(LogKeys.PK, AttributeValue.fromS(pk));
        item.put(LogKeys.SK, AttributeValue.fromS(sk));
        for (String shardId : shardIds) {
            item.put(ownerName(shardId), n(1));
            item.put(positionName(shardId), AttributeValue.fromB(SdkBytes.fromByteArray(position)));
        }
        return item;
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
