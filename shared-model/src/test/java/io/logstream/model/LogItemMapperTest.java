package io.logstream.model;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LogItemMapperTest {

    @Test
    void itemCarriesTheSeedKeysAndFields() {
        LogRecord record = new LogRecord("api", LogLevel.ERROR, "boom", 1723050000000L, "id-1", "t", "h",
                Map.of("code", BigInteger.valueOf(503)), 1723050000100L);
        Map<String, AttributeValue> item = LogItemMapper.toItem(record, 1730000000L);
        assertThat(item.get("pk").s()).isEqualTo("api");
        assertThat(item.get("sk").s()).isEqualTo("1723050000000#id-1");
        assertThat(item.get("ts").n()).isEqualTo("1723050000000");
        assertThat(item.get("level").s()).isEqualTo("ERROR");
        assertThat(item.get("attributes").m().get("code").n()).isEqualTo("503");
        assertThat(item.get("ingestedAt").n()).isEqualTo("1723050000100");
        assertThat(item.get("expiresAt").n()).isEqualTo("1730000000");
        assertThat(item.get("levelKey").s()).isEqualTo("api#ERROR");
    }

    @Test
    void levelKeyIsSparse() {
        assertThat(LogItemMapper.levelKey("a", LogLevel.INFO)).isNull();
        assertThat(LogItemMapper.levelKey("a", LogLevel.DEBUG)).isNull();
        assertThat(LogItemMapper.levelKey("a", LogLevel.WARN)).isEqualTo("a#WARN");
        assertThat(LogItemMapper.levelKey("a", LogLevel.FATAL)).isEqualTo("a#FATAL");
    }

    @Test
    void nestedAttributesSurviveTheRoundTrip() {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("n", BigInteger.TEN);
        attributes.put("d", new BigDecimal("1.25"));
        attributes.put("nil", null);
        attributes.put("list", List.of("a", true, Map.of("x", "y")));
        LogRecord record = new LogRecord("svc", LogLevel.INFO, "", 5, "i", null, null, attributes, null);
        LogRecord back = LogItemMapper.fromItem(LogItemMapper.toItem(record, null));
        assertThat(back).isEqualTo(record);
    }

    @Property
    void mappingRoundTrips(@ForAll @AlphaChars @StringLength(min = 1, max = 40) String service,
                           @ForAll LogLevel level, @ForAll String message,
                           @ForAll @LongRange(min = 0, max = LogKeys.MAX_TS) long ts) {
        LogRecord record = new LogRecord(service, level, message, ts, "id", null, null, Map.of(), 1L);
        assertThat(LogItemMapper.fromItem(LogItemMapper.toItem(record, null))).isEqualTo(record);
    }

    @Test
    void itemSizeCountsUtf8Bytes() {
        LogRecord small = new LogRecord("svc", LogLevel.INFO, "x", 5, "i", null, null, Map.of(), null);
        LogRecord big = new LogRecord("svc", LogLevel.INFO, "é".repeat(210_000), 5, "i", null, null, Map.of(), null);
        assertThat(LogItemMapper.itemSizeBytes(LogItemMapper.toItem(small, null))).isLessThan(200);
        assertThat(LogItemMapper.itemSizeBytes(LogItemMapper.toItem(big, null))).isGreaterThan(LogItemMapper.MAX_ITEM_BYTES);
    }
}
