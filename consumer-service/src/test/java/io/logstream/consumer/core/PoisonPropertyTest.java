package io.logstream.consumer.core;

import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.model.DeadLetter;
import io.logstream.model.LogRecordParser;
import io.logstream.model.RecordCoordinates;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Arbitrary JSON numbers (any digits, any exponent), nestings and strings (lone surrogates included) through parse,
 * item and size: every record ends stored or dead-lettered, and none makes the pipeline allocate much more than its own
 * size (1e999999999 once allocated a gigabyte).
 */
class PoisonPropertyTest {
    private static final Instant NOW = Instant.parse("2024-08-07T18:00:00Z");
    private static final long ALLOWANCE_BYTES = 4L << 20;
    private static final int BYTES_PER_PAYLOAD_BYTE = 64;

    private final List<PendingItem> stored = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final BatchPipeline pipeline = new BatchPipeline(new LogRecordParser()::parse,
            items -> {
                stored.addAll(items);
                return List.of();
            }, WriteBuckets.NONE, records -> { }, pending -> List.of(), deadLetters::addAll,
            new PipelineMetrics(new SimpleMeterRegistry()), Clock.fixed(NOW, ZoneOffset.UTC), 0, 3);

    @Property(tries = 400)
    void everyRecordEndsStoredOrDeadLetteredWithinBoundedMemory(@ForAll("records") String json) {
        stored.clear();
        deadLetters.clear();
        byte[] payload = json.getBytes(StandardCharsets.UTF_8);
        IncomingRecord record = new IncomingRecord(payload,
                new RecordCoordinates("s", "shardId-000000000000", "1", 0, NOW));
        long before = allocatedBytes();
        pipeline.process(List.of(record));
        long allocated = allocatedBytes() - before;

        assertThat(stored.size() + deadLetters.size()).as(json).isEqualTo(1);
        assertThat(deadLetters).as(json).allSatisfy(letter -> assertThat(letter.reason()).isNotEqualTo("unprocessable"));
        assertThat(allocated).as("bytes allocated for a %d-byte record: %s", payload.length, abbreviate(json))
                .isLessThan(ALLOWANCE_BYTES + (long) BYTES_PER_PAYLOAD_BYTE * payload.length);
    }

    @Provide
    Arbitrary<String> records() {
        Arbitrary<String> ts = Arbitraries.oneOf(Arbitraries.just(""), numbers().map(n -> ",\"ts\":" + n));
        return Combinators.combine(strings(), ts, values(6), values(3))
                .as((message, time, attributes, extra) -> "{\"service\":\"prop\",\"message\":" + message + time
                        + ",\"attributes\":{\"a\":" + attributes + "},\"extra\":" + extra + "}");
    }

    /** JSON numbers: up to 60 digits, an optional fraction, an exponent anywhere in an int's range. */
    private static Arbitrary<String> numbers() {
        Arbitrary<String> digits = Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(60)
                .map(d -> d.length() > 1 ? d.replaceFirst("^0+(?=.)", "") : d);
        Arbitrary<String> fraction = Arbitraries.oneOf(Arbitraries.just(""),
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(40).map(f -> "." + f));
        Arbitrary<String> exponent = Arbitraries.oneOf(Arbitraries.just(""),
                Arbitraries.integers().between(-200, 200).map(e -> "e" + e),
                Arbitraries.integers().map(e -> "E" + e));
        return Combinators.combine(Arbitraries.of("", "-"), digits, fraction, exponent).as((s, d, f, e) -> s + d + f + e);
    }

    /** JSON strings of any UTF-16 units, every non-ASCII one escaped, so lone surrogates occur too. */
    private static Arbitrary<String> strings() {
        return Arbitraries.strings().all().ofMaxLength(40).map(PoisonPropertyTest::quoted);
    }

    private static Arbitrary<String> values(int depth) {
        Arbitrary<String> leaf = Arbitraries.oneOf(numbers(), strings(), Arbitraries.of("true", "false", "null"));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<String> array = values(depth - 1).list().ofMaxSize(3).map(l -> "[" + String.join(",", l) + "]");
        Arbitrary<String> object = values(depth - 1).list().ofMaxSize(3).map(l -> {
            StringBuilder out = new StringBuilder("{");
            for (int i = 0; i < l.size(); i++) {
                out.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(l.get(i));
            }
            return out.append('}').toString();
        });
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, leaf), net.jqwik.api.Tuple.of(1, array),
                net.jqwik.api.Tuple.of(1, object));
    }

    private static String quoted(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
