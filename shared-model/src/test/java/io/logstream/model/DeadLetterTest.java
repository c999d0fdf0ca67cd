package io.logstream.model;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterTest {
    private static final RecordCoordinates COORDS =
            new RecordCoordinates("log-stream", "shardId-000000000002", "4965123", 3, Instant.parse("2024-01-01T00:00:00Z"));

    @Test
    void carriesReasonCoordinatesAndTheOriginalBytes() {
        byte[] payload = "{oops".getBytes(StandardCharsets.UTF_8);
        DeadLetter letter = DeadLetter.fromJson(
                DeadLetter.of(PoisonReason.INVALID_JSON, "bad", COORDS, payload, Instant.EPOCH).toJson());
        assertThat(letter.reason()).isEqualTo("invalid-json");
        assertThat(letter.error()).isEqualTo("bad");
        assertThat(letter.stream()).isEqualTo("log-stream");
        assertThat(letter.shardId()).isEqualTo("shardId-000000000002");
        assertThat(letter.sequenceNumber()).isEqualTo("4965123");
        assertThat(letter.subSequenceNumber()).isEqualTo(3);
        assertThat(letter.arrivalTime()).isEqualTo("2024-01-01T00:00:00Z");
        assertThat(letter.payloadBytesDecoded()).isEqualTo(payload);
        assertThat(letter.payloadTruncated()).isFalse();
    }

    @Test
    void oversizedPayloadsAreCutButDescribedWhole() {
        byte[] payload = new byte[DeadLetter.MAX_PAYLOAD_BYTES + 1000];
        DeadLetter letter = DeadLetter.of(PoisonReason.ITEM_TOO_LARGE, "big", COORDS, payload, Instant.EPOCH);
        assertThat(letter.payloadTruncated()).isTrue();
        assertThat(letter.payloadBytes()).isEqualTo(payload.length);
        assertThat(letter.payloadBytesDecoded()).hasSize(DeadLetter.MAX_PAYLOAD_BYTES);
        assertThat(letter.toJson().length()).isLessThan(256 * 1024);
    }
}
