package io.logstream.model;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class LogKeysPropertyTest {

    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.strings().withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:/-")
                .ofMinLength(1).ofMaxLength(128);
    }

    /** DynamoDB orders string sort keys by their UTF-8 bytes, so that is the order compared here. */
    private static int dynamoOrder(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    @Property
    void sortKeyOrderIsTimeOrder(@ForAll @LongRange(min = 0, max = LogKeys.MAX_TS) long ts1,
                                 @ForAll @LongRange(min = 0, max = LogKeys.MAX_TS) long ts2,
                                 @ForAll("ids") String id1, @ForAll("ids") String id2) {
        int keyOrder = Integer.signum(dynamoOrder(LogKeys.sortKey(ts1, id1), LogKeys.sortKey(ts2, id2)));
        if (ts1 != ts2) {
            assertThat(keyOrder).isEqualTo(Long.signum(ts1 - ts2));
        }
    }

    @Property
    void windowBoundsContainExactlyTheKeysInsideTheWindow(@ForAll @LongRange(min = 0, max = LogKeys.MAX_TS) long ts,
                                                          @ForAll @LongRange(min = 0, max = LogKeys.MAX_TS) long from,
                                                          @ForAll @LongRange(min = 0, max = LogKeys.MAX_TS) long to,
                                                          @ForAll("ids") String id) {
        String sk = LogKeys.sortKey(ts, id);
        boolean inside = dynamoOrder(LogKeys.lowerBound(from), sk) <= 0 && dynamoOrder(sk, LogKeys.upperBound(to)) <= 0;
        assertThat(inside).isEqualTo(from <= ts && ts <= to);
    }

    @Property
    void sortKeysDecodeToTheirParts(@ForAll @LongRange(min = 0, max = LogKeys.MAX_TS) long ts, @ForAll("ids") String id) {
        String sk = LogKeys.sortKey(ts, id);
        assertThat(sk).hasSize(14 + id.length());
        assertThat(LogKeys.tsOf(sk)).isEqualTo(ts);
        assertThat(LogKeys.idOf(sk)).isEqualTo(id);
    }

    @Provide
    Arbitrary<String> nearNames() {
        // the name alphabet, its neighbours in ASCII, a few non-ASCII chars; empty and over-long strings included
        return Arbitraries.strings().withChars("Aaz09._:/-+#@[`{~ \u00e9\u0130").withCharRange('\u0000', '\u007f')
                .ofMinLength(0).ofMaxLength(140);
    }

    @Property
    void isValidNameIsExactlyTheNamePattern(@ForAll("nearNames") String value, @ForAll("ids") String id) {
        assertThat(LogKeys.isValidName(value)).isEqualTo(LogKeys.NAME.matcher(value).matches());
        assertThat(LogKeys.isValidName(id)).isTrue();
        assertThat(LogKeys.isValidName(id + "x".repeat(129 - id.length()))).isFalse();
    }

    @Property
    void sameCoordinatesAlwaysGiveTheSameKey(@ForAll("shards") String shardId, @ForAll("sequences") String sequence,
                                            @ForAll @LongRange(min = 0, max = 10_000) long subSequence) {
        String first = LogKeys.derivedId(shardId, sequence, subSequence);
        String second = LogKeys.derivedId(new String(shardId), new String(sequence), subSequence);
        assertThat(first).isEqualTo(second).matches(LogKeys.NAME.pattern());
    }

    @Property
    void differentCoordinatesGiveDifferentKeys(@ForAll("sequences") String sequence,
                                              @ForAll @LongRange(min = 0, max = 10_000) long subSequence) {
        assertThat(LogKeys.derivedId("shardId-000000000000", sequence, subSequence))
                .isNotEqualTo(LogKeys.derivedId("shardId-000000000000", sequence, subSequence + 1))
                .isNotEqualTo(LogKeys.derivedId("shardId-000000000001", sequence, subSequence));
    }

    @Provide
    Arbitrary<String> shards() {
        return Arbitraries.integers().between(0, 999).map(n -> String.format("shardId-%012d", n));
    }

    @Provide
    Arbitrary<String> sequences() {
        return Arbitraries.strings().numeric().ofMinLength(20).ofMaxLength(56);
    }
}
