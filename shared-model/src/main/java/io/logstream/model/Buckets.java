package io.logstream.model;

import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.zip.CRC32C;

/**
 * Write sharding of hot services, the pure part both services share (docs/scale.md).
 * <p>
 * DynamoDB serves about 1,000 write units a second to one partition key value, and a key whose sort key only grows
 * is not split for heat (developer guide, "Throttling resolution guide"; API reference, {@code ThrottlingReason}
 * {@code TableWriteKeyRangeThroughputExceeded} and {@code IndexWriteKeyRangeThroughputExceeded}). A service past that
 * spreads its records over {@code count} partition keys, its <em>buckets</em>: bucket 0 is {@code service}, exactly as
 * for a quiet service, bucket {@code b > 0} is {@code service#b}, which no service name can be (the service alphabet
 * has no {@code #}). The level index spreads the same way.
 * <p>
 * A service's counts form an append-only table of <em>epochs</em> by record time ({@link Table}): an epoch is decided
 * at least {@link #EPOCH_DELAY_MILLIS} before the record time it starts at, so no record of its time range can have
 * been written before every worker knew it ({@link #knownThrough}). The bucket of a record is then a pure function of
 * the record and that table ({@link #bucketOf}): a replay writes the same key, whatever changed in between.
 */
public final class Buckets {
    /** A record further ahead of its Kinesis arrival than this stays in bucket 0: no epoch can be known that far ahead. */
    public static final long FUTURE_SLACK_MILLIS = 2_000;
    /** The time every worker and reader has to read a new epoch before its first record can arrive. */
    public static final long LEAD_MILLIS = 5_000;
    /** How far apart the clocks of the workers, the readers and Kinesis may be (NTP keeps them far closer). */
    public static final long CLOCK_SKEW_MILLIS = 1_000;
    /** An epoch decided at {@code t} starts at record time {@code t + EPOCH_DELAY_MILLIS}. */
    public static final long EPOCH_DELAY_MILLIS = FUTURE_SLACK_MILLIS + LEAD_MILLIS;
    /** The most buckets a service may have: a read of it is this many {@code Query} calls at most. */
    public static final int MAX_BUCKETS = 64;

    private Buckets() {
    }

    /** From record time {@code fromMillis} on, records of the service spread over {@code count} buckets. */
    public record Epoch(long fromMillis, int count) {
        public Epoch {
            if (count < 1 || count > MAX_BUCKETS) {
                throw new IllegalArgumentException("bucket count must be 1.." + MAX_BUCKETS + ": " + count);
            }
        }
    }

    /** One service's epochs in time order; before the first one, and for a service with none, one bucket. */
    public static final class Table {
        public static final Table SINGLE = new Table(List.of());

        private final List<Epoch> epochs;

        private Table(List<Epoch> epochs) {
            this.epochs = epochs;
        }

        /** The epochs in any order; of two with the same start the larger count wins (two workers deciding at once). */
        public static Table of(List<Epoch> epochs) {
            List<Epoch> sorted = new ArrayList<>(epochs);
            sorted.sort(Comparator.comparingLong(Epoch::fromMillis).thenComparingInt(Epoch::count));
            List<Epoch> distinct = new ArrayList<>();
            for (Epoch epoch : sorted) {
                if (!distinct.isEmpty() && distinct.get(distinct.size() - 1).fromMillis() == epoch.fromMillis()) {
                    distinct.set(distinct.size() - 1, epoch);
                } else {
                    distinct.add(epoch);
                }
            }
            return distinct.isEmpty() ? SINGLE : new Table(List.copyOf(distinct));
        }

        public List<Epoch> epochs() {
            return epochs;
        }

        /** The bucket count for records of time {@code ts}. */
        public int countAt(long ts) {
            int count = 1;
            for (Epoch epoch : epochs) {
                if (epoch.fromMillis() > ts) {
                    break;
                }
                count = epoch.count();
            }
            return count;
        }

        /** The count of the newest epoch, which may not have started yet. */
        public int latest() {
            return epochs.isEmpty() ? 1 : epochs.get(epochs.size() - 1).count();
        }

        /** When the newest epoch starts; 0 for a service that never had one. */
        public long latestFrom() {
            return epochs.isEmpty() ? 0 : epochs.get(epochs.size() - 1).fromMillis();
        }

        /**
         * How many buckets a read of record times [{@code fromMillis}, {@code toMillis}] must query: buckets 0 to
         * this less one hold every record of the window (future-dated records are in bucket 0).
         */
        public int bucketsFor(long fromMillis, long toMillis) {
            int most = countAt(fromMillis);
            for (Epoch epoch : epochs) {
                if (epoch.fromMillis() > fromMillis && epoch.fromMillis() <= toMillis) {
                    most = Math.max(most, epoch.count());
                }
            }
            return most;
        }
    }

    /**
     * The bucket of a record: 0 when its service has one bucket at its time or when it is more than
     * {@link #FUTURE_SLACK_MILLIS} ahead of its arrival (which Kinesis fixes once, so a replay sees the same), else a
     * hash of its sort key over the count. The hash is CRC32C, fixed by its standard.
     */
    public static int bucketOf(Table table, long ts, String id, long arrivalMillis) {
        if (ts > arrivalMillis + FUTURE_SLACK_MILLIS) {
            return 0;
        }
        int count = table.countAt(ts);
        if (count == 1) {
            return 0;
        }
        CRC32C crc = new CRC32C();
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        crc.update(idBytes, 0, idBytes.length);
        for (int shift = 56; shift >= 0; shift -= 8) {
            crc.update((int) (ts >>> shift));
        }
        return (int) (crc.getValue() % count);
    }

    /**
     * Every service's table from the items of the bucket table ({@link LedgerKeys#BUCKETS_PK}); an item that does not
     * parse is handed to {@code skipped} and left out, so that a stray write cannot stop a reader or a writer.
     */
    public static Map<String, Table> tables(Iterable<Map<String, AttributeValue>> items,
                                            BiConsumer<Map<String, AttributeValue>, RuntimeException> skipped) {
        Map<String, List<Epoch>> epochs = new HashMap<>();
        for (Map<String, AttributeValue> item : items) {
            try {
                LedgerKeys.EpochKey key = LedgerKeys.splitEpochKey(item.get(LogKeys.SK).s());
                epochs.computeIfAbsent(key.service(), s -> new ArrayList<>())
                        .add(new Epoch(key.fromMillis(), Integer.parseInt(item.get(LedgerKeys.BUCKETS).n())));
            } catch (RuntimeException e) {
                skipped.accept(item, e);
            }
        }
        Map<String, Table> tables = new HashMap<>();
        epochs.forEach((service, list) -> tables.put(service, Table.of(list)));
        return Map.copyOf(tables);
    }

    /** The table's partition key of a bucket: the service itself for bucket 0. */
    public static String partitionKey(String service, int bucket) {
        return bucket == 0 ? service : service + '#' + bucket;
    }

    /** The service of a record's partition key (the key up to the first {@code #}). */
    public static String serviceOf(String partitionKey) {
        int split = partitionKey.indexOf('#');
        return split < 0 ? partitionKey : partitionKey.substring(0, split);
    }

    /** The level index's key of a bucket: {@code service#LEVEL} for bucket 0, {@code service#LEVEL#b} past it. */
    public static String levelKey(String service, LogLevel level, int bucket) {
        String key = service + '#' + level.name();
        return bucket == 0 ? key : key + '#' + bucket;
    }

    /** The record time an epoch decided at {@code decidedAtMillis} starts at. */
    public static long epochStart(long decidedAtMillis) {
        return decidedAtMillis + EPOCH_DELAY_MILLIS;
    }

    /**
     * Up to which record time a table read at {@code readAtMillis} knows every epoch: any epoch it missed was decided
     * after the read, so starts {@link #EPOCH_DELAY_MILLIS} after it, less the clocks' skew.
     */
    public static long knownThrough(long readAtMillis) {
        return readAtMillis + EPOCH_DELAY_MILLIS - CLOCK_SKEW_MILLIS;
    }

    /**
     * Up to which Kinesis arrival time a table read at {@code readAtMillis} places every record (arrival plus the
     * future slack is the latest time a bucketed record can have).
     */
    public static long arrivalsKnownThrough(long readAtMillis) {
        return knownThrough(readAtMillis) - FUTURE_SLACK_MILLIS;
    }
}
