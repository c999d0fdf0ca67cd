package io.logstream.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The body of a dead-letter message: why, where from, and the original bytes (base64) so that the record can be
 * inspected and replayed. Payloads above {@value #MAX_PAYLOAD_BYTES} bytes are cut ({@code payloadTruncated}) to
 * keep the message under SQS's 256 KB limit; {@code payloadBytes} and {@code payloadSha256} describe the whole
 * original, which stays readable in the stream at the given coordinates for the stream's retention period.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeadLetter(String reason, String error, String stream, String shardId, String sequenceNumber,
                         long subSequenceNumber, String arrivalTime, String failedAt, String payload,
                         int payloadBytes, boolean payloadTruncated, String payloadSha256) {
    public static final int MAX_PAYLOAD_BYTES = 180 * 1024;
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    public static DeadLetter of(PoisonReason reason, String error, RecordCoordinates coordinates, byte[] payload,
                                Instant failedAt) {
        boolean truncated = payload.length > MAX_PAYLOAD_BYTES;
        byte[] kept = truncated ? Arrays.copyOf(payload, MAX_PAYLOAD_BYTES) : payload;
        return new DeadLetter(reason.code(), error, coordinates.stream(), coordinates.shardId(),
                coordinates.sequenceNumber(), coordinates.subSequenceNumber(), coordinates.arrivalTime().toString(),
                failedAt.toString(), Base64.getEncoder().encodeToString(kept), payload.length, truncated,
                sha256(payload));
    }

    public byte[] payloadBytesDecoded() {
        return Base64.getDecoder().decode(payload);
    }

    public String toJson() {
        try {
            return MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("dead letter is not serialisable", e);
        }
    }

    public static DeadLetter fromJson(String json) {
        try {
            return MAPPER.readValue(json, DeadLetter.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a dead letter: " + e.getOriginalMessage(), e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
