package io.logstream.model;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LogErrorEventTest {
    private static final RecordCoordinates COORDS =
            new RecordCoordinates("log-stream", "shardId-000000000000", "4965", 0, Instant.EPOCH);

    @Test
    void detailCarriesTheRecordAndWhereItCameFrom() {
        LogRecord record = new LogRecord("api", LogLevel.FATAL, "down", 1723050000000L, "id-1", "t", null,
                Map.of("k", "v"), null);
        LogErrorEvent back = LogErrorEvent.fromDetailJson(LogErrorEvent.of(record, COORDS).toDetailJson());
        assertThat(back.service()).isEqualTo("api");
        assertThat(back.level()).isEqualTo("FATAL");
        assertThat(back.message()).isEqualTo("down");
        assertThat(back.messageTruncated()).isFalse();
        assertThat(back.time()).isEqualTo("2024-08-07T17:00:00Z");
        assertThat(back.id()).isEqualTo("id-1");
        assertThat(back.shardId()).isEqualTo("shardId-000000000000");
        assertThat(back.attributes()).containsEntry("k", "v");
        assertThat(LogErrorEvent.of(record, COORDS).toDetailJson()).doesNotContain("\"host\"");
    }

    @Test
    void longMessagesAreCutSoTheEventFits() {
        LogRecord record = new LogRecord("api", LogLevel.ERROR, "m".repeat(300_000), 1, "id", null, null,
                Map.of("big", "b".repeat(100_000)), null);
        String detail = LogErrorEvent.of(record, COORDS).toDetailJson();
        LogErrorEvent back = LogErrorEvent.fromDetailJson(detail);
        assertThat(back.messageTruncated()).isTrue();
        assertThat(back.message()).hasSize(LogErrorEvent.MAX_MESSAGE_CHARS);
        assertThat(detail.length()).isLessThanOrEqualTo(LogErrorEvent.MAX_DETAIL_BYTES);
    }
}
