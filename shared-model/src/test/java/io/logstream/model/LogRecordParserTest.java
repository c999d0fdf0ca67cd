package io.logstream.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LogRecordParserTest {
    private static final Instant ARRIVAL = Instant.parse("2024-08-07T17:00:00Z");
    private static final RecordCoordinates COORDS =
            new RecordCoordinates("log-stream", "shardId-000000000001", "49650000000000000000000000001", 0, ARRIVAL);

    private final LogRecordParser parser = new LogRecordParser();

    private ParseOutcome parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8), COORDS);
    }

    private LogRecord parsed(String json) {
        ParseOutcome outcome = parse(json);
        assertThat(outcome).isInstanceOf(ParseOutcome.Parsed.class);
        return ((ParseOutcome.Parsed) outcome).record();
    }

    private PoisonReason poisonReason(String json) {
        ParseOutcome outcome = parse(json);
        assertThat(outcome).isInstanceOf(ParseOutcome.Poison.class);
        return ((ParseOutcome.Poison) outcome).reason();
    }

    @Test
    void parsesAFullRecord() {
        LogRecord record = parsed("""
                {"service":"api-gateway","level":"error","message":"boom","ts":1723050000000,
                 "traceId":"t-1","host":"h1","attributes":{"code":503,"path":"/x","ok":false}, "id":"abc-1"}""");
        assertThat(record.service()).isEqualTo("api-gateway");
        assertThat(record.level()).isEqualTo(LogLevel.ERROR);
        assertThat(record.message()).isEqualTo("boom");
        assertThat(record.ts()).isEqualTo(1723050000000L);
        assertThat(record.id()).isEqualTo("abc-1");
        assertThat(record.traceId()).isEqualTo("t-1");
        assertThat(record.host()).isEqualTo("h1");
        assertThat(record.attributes()).containsEntry("code", BigInteger.valueOf(503)).containsEntry("path", "/x")
                .containsEntry("ok", false);
    }

    @ParameterizedTest
    @CsvSource({"WARNING,WARN", "warn,WARN", "Err,ERROR", "CRITICAL,FATAL", "fatal,FATAL", "trace,TRACE",
            "debug,DEBUG", "INFO,INFO", "severe,ERROR"})
    void acceptsLevelsInAnyCaseAndTheirAliases(String text, LogLevel expected) {
        assertThat(parsed("{\"service\":\"s\",\"message\":\"m\",\"level\":\"" + text + "\"}").level())
                .isEqualTo(expected);
    }

    @Test
    void missingLevelMeansInfo() {
        assertThat(parsed("{\"service\":\"s\",\"message\":\"m\"}").level()).isEqualTo(LogLevel.INFO);
    }

    @Test
    void tsAcceptsIsoInstantsOffsetsAndDigitStrings() {
        assertThat(parsed("{\"service\":\"s\",\"message\":\"m\",\"ts\":\"2024-08-07T17:00:00.123Z\"}").ts())
                .isEqualTo(Instant.parse("2024-08-07T17:00:00.123Z").toEpochMilli());
        assertThat(parsed("{\"service\":\"s\",\"message\":\"m\",\"ts\":\"2024-08-07T19:00:00+02:00\"}").ts())
                .isEqualTo(Instant.parse("2024-08-07T17:00:00Z").toEpochMilli());
        assertThat(parsed("{\"service\":\"s\",\"message\":\"m\",\"ts\":\"1723050000000\"}").ts())
                .isEqualTo(1723050000000L);
        assertThat(parsed("{\"service\":\"s\",\"message\":\"m\",\"ts\":1723050000000.0}").ts())
                .isEqualTo(1723050000000L);
    }

    @Test
    void missingTsFallsBackToArrivalTime() {
        assertThat(parsed("{\"service\":\"s\",\"message\":\"m\"}").ts()).isEqualTo(ARRIVAL.toEpochMilli());
    }

    @Test
    void missingIdIsDerivedFromTheCoordinates() {
        LogRecord record = parsed("{\"service\":\"s\",\"message\":\"m\"}");
        assertThat(record.id()).isEqualTo(LogKeys.derivedId(COORDS.shardId(), COORDS.sequenceNumber(), 0));
    }

    @Test
    void unknownTopLevelFieldsAreKeptAsAttributes() {
        LogRecord record = parsed("{\"service\":\"s\",\"message\":\"m\",\"region\":\"eu\",\"attributes\":{\"a\":1}}");
        assertThat(record.attributes()).isEqualTo(Map.of("region", "eu", "a", BigInteger.ONE));
    }

    @Test
    void everyKindOfPoisonHasItsReason() {
        assertThat(poisonReason("{not json")).isEqualTo(PoisonReason.INVALID_JSON);
        assertThat(poisonReason("{\"service\":\"s\",\"message\":\"m\"} trailing")).isEqualTo(PoisonReason.INVALID_JSON);
        assertThat(poisonReason("[1,2]")).isEqualTo(PoisonReason.NOT_AN_OBJECT);
        assertThat(poisonReason("\"text\"")).isEqualTo(PoisonReason.NOT_AN_OBJECT);
        assertThat(poisonReason("")).isEqualTo(PoisonReason.NOT_AN_OBJECT);
        assertThat(poisonReason("{\"message\":\"m\"}")).isEqualTo(PoisonReason.MISSING_SERVICE);
        assertThat(poisonReason("{\"service\":\"has space\",\"message\":\"m\"}")).isEqualTo(PoisonReason.INVALID_SERVICE);
        assertThat(poisonReason("{\"service\":\"" + "x".repeat(129) + "\",\"message\":\"m\"}"))
                .isEqualTo(PoisonReason.INVALID_SERVICE);
        assertThat(poisonReason("{\"service\":\"s\"}")).isEqualTo(PoisonReason.MISSING_MESSAGE);
        assertThat(poisonReason("{\"service\":\"s\",\"message\":{}}")).isEqualTo(PoisonReason.INVALID_MESSAGE);
        assertThat(poisonReason("{\"service\":\"s\",\"message\":\"m\",\"level\":\"LOUD\"}"))
                .isEqualTo(PoisonReason.INVALID_LEVEL);
        assertThat(poisonReason("{\"service\":\"s\",\"message\":\"m\",\"ts\":\"yesterday\"}"))
                .isEqualTo(PoisonReason.INVALID_TIMESTAMP);
        assertThat(poisonReason("{\"service\":\"s\",\"message\":\"m\",\"ts\":-5}")).isEqualTo(PoisonReason.INVALID_TIMESTAMP);
        assertThat(poisonReason("{\"service\":\"s\",\"message\":\"m\",\"ts\":1.5}")).isEqualTo(PoisonReason.INVALID_TIMESTAMP);
        assertThat(poisonReason("{\"service\":\"s\",\"message\":\"m\",\"ts\":10000000000000}"))
                .isEqualTo(PoisonReason.INVALID_TIMESTAMP);
        assertThat(poisonReason("{\"service\":\"s\",\"message\":\"m\",\"id\":\"a#b\"}")).isEqualTo(PoisonReason.INVALID_ID);
        assertThat(poisonReason("{\"service\":\"s\",\"message\":\"m\",\"host\":5}")).isEqualTo(PoisonReason.INVALID_FIELD);
        assertThat(poisonReason("{\"service\":\"s\",\"message\":\"m\",\"attributes\":[1]}"))
                .isEqualTo(PoisonReason.INVALID_FIELD);
        assertThat(poisonReason("{\"service\":\"s\",\"service\":\"t\",\"message\":\"m\"}")).isEqualTo(PoisonReason.INVALID_JSON);
    }

    @Test
    void nonUtf8BytesArePoison() {
        byte[] bytes = {'{', '"', 's', 'e', 'r', 'v', 'i', 'c', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        ParseOutcome outcome = parser.parse(bytes, COORDS);
        assertThat(outcome).isInstanceOfSatisfying(ParseOutcome.Poison.class, poison -> {
            assertThat(poison.reason()).isEqualTo(PoisonReason.INVALID_UTF8);
            assertThat(poison.error()).contains("UTF-8");
        });
    }

    @Test
    void poisonErrorsSayWhatWasWrong() {
        ParseOutcome outcome = parse("{\"service\":\"s\",\"message\":\"m\",\"level\":\"LOUD\"}");
        assertThat(((ParseOutcome.Poison) outcome).error()).contains("'level'").contains("LOUD");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"service\":\"d\",\"message\":\"x\",\"attributes\":{\"n\":1e999999999}}",
            "{\"service\":\"d\",\"message\":\"x\",\"attributes\":{\"n\":1e99999999}}",
            "{\"service\":\"d\",\"message\":\"x\",\"n\":-1e126}",
            "{\"service\":\"d\",\"message\":\"x\",\"n\":1e-131}",
            "{\"service\":\"d\",\"message\":\"x\",\"n\":[1,{\"deep\":123456789012345678901234567890123456789}]}",
            "{\"service\":\"d\",\"message\":\"x\",\"n\":0.123456789012345678901234567890123456789}"})
    void numbersDynamoDbCannotStoreArePoisonDecidedWithoutExpandingThem(String json) {
        long before = allocatedBytes();
        ParseOutcome outcome = parse(json);
        long allocated = allocatedBytes() - before;
        assertThat(outcome).isInstanceOfSatisfying(ParseOutcome.Poison.class, poison -> {
            assertThat(poison.reason()).isEqualTo(PoisonReason.INVALID_NUMBER);
            assertThat(poison.error()).contains("38 significant digits");
        });
        // 1e999999999 once became a 1 GB string; the exact check costs no more than parsing
        assertThat(allocated).isLessThan(1_000_000);
    }

    @ParameterizedTest
    @CsvSource({"9.9999999999999999999999999999999999999e125", "1e-130", "-1e125", "0e999999", "12345678901234567890123456789012345678",
            "1.5e10", "0.000"})
    void numbersAtDynamoDbsLimitsAreKept(String number) {
        LogRecord record = parsed("{\"service\":\"d\",\"message\":\"x\",\"n\":" + number + "}");
        assertThat(LogItemMapper.toItem(record, null).get("attributes").m().get("n").n()).hasSizeLessThan(200);
    }

    @ParameterizedTest
    @CsvSource({"1e400", "1.8446745836709551616E19", "18446744073709551616", "-1", "1.5", "1e13", "10000000000000"})
    void timestampsOutsideTheKeyRangeArePoisonInsteadOfWrapping(String ts) {
        assertThat(poisonReason("{\"service\":\"d\",\"message\":\"x\",\"ts\":" + ts + "}"))
                .isEqualTo(PoisonReason.INVALID_TIMESTAMP);
    }

    @Test
    void timestampsWrittenAsWholeDecimalsAreKept() {
        assertThat(parsed("{\"service\":\"d\",\"message\":\"x\",\"ts\":1.723050000000E12}").ts()).isEqualTo(1723050000000L);
        assertThat(parsed("{\"service\":\"d\",\"message\":\"x\",\"ts\":9999999999999}").ts()).isEqualTo(LogKeys.MAX_TS);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"service\":\"d\",\"message\":\"a\\ud800b\"}",
            "{\"service\":\"d\",\"message\":\"\\udc00\"}",
            "{\"service\":\"d\",\"message\":\"m\",\"host\":\"\\ud800\"}",
            "{\"service\":\"d\",\"message\":\"m\",\"traceId\":\"t\\udbff\"}",
            "{\"service\":\"d\",\"message\":\"m\",\"attributes\":{\"k\":[\"\\ud800\"]}}"})
    void loneSurrogatesArePoison(String json) {
        ParseOutcome outcome = parse(json);
        assertThat(outcome).isInstanceOfSatisfying(ParseOutcome.Poison.class, poison -> {
            assertThat(poison.reason()).isEqualTo(PoisonReason.INVALID_TEXT);
            assertThat(poison.error()).contains("surrogate");
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"service\":\"d\",\"message\":\"m\",\"attributes\":{\"\\ud800\":1}}",
            "{\"service\":\"d\",\"message\":\"m\",\"\\udfff\":1}"})
    void loneSurrogatesInFieldNamesAreRefusedByTheJsonReaderItself(String json) {
        ParseOutcome outcome = parse(json);
        assertThat(outcome).isInstanceOfSatisfying(ParseOutcome.Poison.class, poison -> {
            assertThat(poison.reason()).isEqualTo(PoisonReason.INVALID_JSON);
            assertThat(poison.error()).contains("surrogate");
        });
    }

    @Test
    void pairedSurrogatesAreText() {
        assertThat(parsed("{\"service\":\"d\",\"message\":\"\\ud83d\\ude00\"}").message()).isEqualTo("\ud83d\ude00");
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }
}
