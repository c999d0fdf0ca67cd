package io.logstream.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses and validates one record's bytes. Never throws for bad input: every way a record can be wrong is a
 * {@link ParseOutcome.Poison} with a reason code and a sentence saying what was wrong.
 *
 * <p>Choices where the contract is silent: a missing {@code level} means INFO; top-level fields the schema does not
 * name are kept under {@code attributes} (an explicit attribute of the same name wins), so nothing a producer sent is
 * lost; {@code ts} as a number must be whole epoch millis in 0..9999999999999, decided on the exact value. A number
 * DynamoDB cannot store (over 38 significant digits, magnitude outside 1E-130..9.99E+125) is {@code invalid-number}
 * and a string with a lone UTF-16 surrogate is {@code invalid-text}, both decided before anything expands the value,
 * so no record costs much more memory than its own size.
 */
public final class LogRecordParser {
    private static final BigDecimal MAX_TS = BigDecimal.valueOf(LogKeys.MAX_TS);
    private static final Set<String> KNOWN_FIELDS =
            Set.of("service", "level", "message", "ts", "id", "traceId", "host", "attributes");

    private final ObjectMapper mapper = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    public ParseOutcome parse(byte[] payload, RecordCoordinates coordinates) {
        JsonNode root;
        try {
            if (isAscii(payload)) {
                // the common case: ASCII is valid UTF-8, so Jackson reads the bytes as they are
                root = mapper.readTree(payload);
            } else {
                String text;
                try {
                    text = StandardCharsets.UTF_8.newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(payload))
                            .toString();
                } catch (CharacterCodingException e) {
                    return poison(PoisonReason.INVALID_UTF8, "payload is not valid UTF-8: " + e.getMessage());
                }
                root = mapper.readTree(text);
            }
        } catch (JsonProcessingException e) {
            return poison(PoisonReason.INVALID_JSON, "payload is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException | RuntimeException e) {
            // Jackson reports a few limits (a number whose exponent overflows an int, …) as unchecked exceptions
            return poison(PoisonReason.INVALID_JSON, "payload is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            return poison(PoisonReason.NOT_AN_OBJECT, "payload must be a JSON object, got "
                    + (root == null ? "nothing" : root.getNodeType().name().toLowerCase()));
        }
        return parseObject((ObjectNode) root, coordinates);
    }

    private static boolean isAscii(byte[] payload) {
        for (byte b : payload) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private ParseOutcome parseObject(ObjectNode node, RecordCoordinates coordinates) {
        try {
            return parseFields(node, coordinates);
        } catch (JsonValues.InvalidValue e) {
            return poison(e.reason(), e.getMessage());
        }
    }

    private ParseOutcome parseFields(ObjectNode node, RecordCoordinates coordinates) {
        JsonNode service = node.get("service");
        if (service == null || service.isNull()) {
            return poison(PoisonReason.MISSING_SERVICE, "field 'service' is required");
        }
        if (!service.isTextual() || !LogKeys.isValidName(service.textValue())) {
            return poison(PoisonReason.INVALID_SERVICE,
                    "field 'service' must be 1-128 characters of [A-Za-z0-9._:/-], got " + abbreviate(service));
        }
        JsonNode message = node.get("message");
        if (message == null || message.isNull()) {
            return poison(PoisonReason.MISSING_MESSAGE, "field 'message' is required");
        }
        if (!message.isTextual()) {
            return poison(PoisonReason.INVALID_MESSAGE, "field 'message' must be a string");
        }
        LogLevel level = LogLevel.INFO;
        JsonNode levelNode = node.get("level");
        if (levelNode != null && !levelNode.isNull()) {
            Optional<LogLevel> parsed = levelNode.isTextual() ? LogLevel.parse(levelNode.textValue()) : Optional.empty();
            if (parsed.isEmpty()) {
                return poison(PoisonReason.INVALID_LEVEL, "field 'level' must be one of TRACE, DEBUG, INFO, WARN, "
                        + "ERROR, FATAL (or an alias such as WARNING, ERR, CRITICAL), got " + abbreviate(levelNode));
            }
            level = parsed.get();
        }
        long ts;
        JsonNode tsNode = node.get("ts");
        if (tsNode == null || tsNode.isNull()) {
            ts = coordinates.arrivalTime().toEpochMilli();
        } else {
            Optional<Long> parsed = parseTimestamp(tsNode);
            if (parsed.isEmpty()) {
                return poison(PoisonReason.INVALID_TIMESTAMP, "field 'ts' must be epoch milliseconds in 0.."
                        + LogKeys.MAX_TS + " or an ISO-8601 instant, got " + abbreviate(tsNode));
            }
            ts = parsed.get();
        }
        String id;
        JsonNode idNode = node.get("id");
        if (idNode == null || idNode.isNull()) {
            id = LogKeys.derivedId(coordinates.shardId(), coordinates.sequenceNumber(),
                    coordinates.subSequenceNumber());
        } else if ((idNode.isTextual() || idNode.isIntegralNumber()) && LogKeys.isValidName(idNode.asText())) {
            id = idNode.asText();
        } else {
            return poison(PoisonReason.INVALID_ID,
                    "field 'id' must be 1-128 characters of [A-Za-z0-9._:/-], got " + abbreviate(idNode));
        }
        Optional<String> traceId = optionalText(node, "traceId");
        Optional<String> host = optionalText(node, "host");
        if (traceId == null || host == null) {
            return poison(PoisonReason.INVALID_FIELD, "fields 'traceId' and 'host' must be strings when present");
        }
        JsonNode attributesNode = node.get("attributes");
        if (attributesNode != null && !attributesNode.isNull() && !attributesNode.isObject()) {
            return poison(PoisonReason.INVALID_FIELD, "field 'attributes' must be a JSON object when present");
        }
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!KNOWN_FIELDS.contains(field.getKey())) {
                attributes.put(JsonValues.text(field.getKey(), field.getKey()),
                        JsonValues.toJava(field.getKey(), field.getValue()));
            }
        }
        if (attributesNode != null && attributesNode.isObject()) {
            attributesNode.fields().forEachRemaining(f -> attributes.put(JsonValues.text("attributes", f.getKey()),
                    JsonValues.toJava("attributes." + f.getKey(), f.getValue())));
        }
        return new ParseOutcome.Parsed(new LogRecord(service.textValue(), level,
                JsonValues.text("message", message.textValue()), ts, id,
                traceId.orElse(null), host.orElse(null), attributes, null));
    }

    /** Epoch millis as a whole number or digit string, or an ISO-8601 instant/offset date-time. */
    static Optional<Long> parseTimestamp(JsonNode node) {
        if (node.isTextual()) {
            return LogKeys.parseMillis(node.textValue());
        }
        if (!node.isNumber()) {
            return Optional.empty();
        }
        // compared exactly before any conversion: longValue() of 1e400 or 2^64 wraps silently
        BigDecimal exact = node.decimalValue();
        if (exact.signum() < 0 || exact.compareTo(MAX_TS) > 0 || exact.stripTrailingZeros().scale() > 0) {
            return Optional.empty();
        }
        return Optional.of(exact.longValueExact());
    }

    /** Empty when absent or null, null when present but not a string. */
    private static Optional<String> optionalText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        return value.isTextual() ? Optional.of(JsonValues.text(field, value.textValue())) : null;
    }

    private static ParseOutcome poison(PoisonReason reason, String error) {
        return new ParseOutcome.Poison(reason, error);
    }

    private static String abbreviate(JsonNode node) {
        String text = node.toString();
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
