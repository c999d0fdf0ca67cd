package io.logstream.model;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class CountsTest {
    @Test
    void aMinuteHoldsTheRecordsAfterTheMinuteBeforeItsEndUpToItsEnd() {
        assertThat(Counts.minuteEnd(60_000)).isEqualTo(60_000);
        assertThat(Counts.minuteEnd(60_001)).isEqualTo(120_000);
        assertThat(Counts.minuteEnd(1)).isEqualTo(60_000);
        assertThat(Counts.minuteEnd(0)).isEqualTo(0);
    }

    @Test
    void fiveMinutesShareALevelItemEachInItsOwnColumn() {
        for (long m = 1; m <= 10; m++) {
            long end = m * 60_000;
            assertThat(Counts.blockEnd(end)).isEqualTo(((m - 1) / 5 + 1) * 300_000);
            assertThat(Counts.minuteOfBlock(end)).isEqualTo((int) ((m - 1) % 5));
        }
    }

    @Test
    void positionsSortAsDynamoDbComparesBinaryValuesInTheShardsOrder() {
        Random random = new Random(7);
        List<BigInteger> sequences = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            sequences.add(new BigInteger(1 + random.nextInt(190), random));
        }
        for (int i = 0; i < sequences.size() - 1; i++) {
            BigInteger a = sequences.get(i);
            BigInteger b = sequences.get(i + 1);
            long subA = random.nextInt(3);
            long subB = random.nextInt(3);
            int expected = a.equals(b) ? Long.compare(subA, subB) : a.compareTo(b);
            assertThat(Integer.signum(Counts.compare(Counts.position(a.toString(), subA),
                    Counts.position(b.toString(), subB)))).as("%s/%d vs %s/%d", a, subA, b, subB)
                    .isEqualTo(Integer.signum(expected));
        }
    }

    @Test
    void itemsReadBackAsTheRecordsTheyCount() {
        Random random = new Random(3);
        List<LogRecord> records = new ArrayList<>();
        Map<String, Long> expected = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            LogLevel level = LogLevel.values()[random.nextInt(6)];
            String host = random.nextBoolean() ? null : "h" + random.nextInt(3);
            LogRecord r = new LogRecord("svc", level, "é".repeat(random.nextInt(5)), random.nextInt(900_000), "i" + i,
                    null, host, Map.of(), null);
            records.add(r);
            expected.merge(Counts.minuteEnd(r.ts()) + " " + level, 1L, Long::sum);
            expected.merge(Counts.minuteEnd(r.ts()) + " " + level + " bytes", Counts.lineBytes(r), Long::sum);
            if (host != null) {
                expected.merge(Counts.minuteEnd(r.ts()) + " " + level + " " + host, 1L, Long::sum);
            }
        }
        Map<String, Long> got = new HashMap<>();
        for (Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item
                : Counts.items("svc", records, Counts.position("9", 0), "shardId-000000000002", "shardId-x")) {
            String sk = item.get(LogKeys.SK).s();
            assertThat(item).containsKeys("o2", "p2", "oshardId-x", "pshardId-x");
            if (item.get(LogKeys.PK).s().equals(Counts.levelsPk("svc"))) {
                Counts.levelMinutes(item).forEach((end, tally) -> {
                    for (LogLevel level : LogLevel.values()) {
                        if (tally.records(level) > 0) {
                            got.merge(end + " " + level, tally.records(level), Long::sum);
                            got.merge(end + " " + level + " bytes", tally.bytes(level), Long::sum);
                        }
                    }
                });
            } else {
                long end = Counts.minuteEndOf(sk);
                Counts.hostsOf(item).forEach((host, tally) -> {
                    for (LogLevel level : LogLevel.values()) {
                        if (tally.records(level) > 0) {
                            got.merge(end + " " + level + " " + host, tally.records(level), Long::sum);
                        }
                    }
                });
            }
        }
        assertThat(got).isEqualTo(expected);
    }
}
