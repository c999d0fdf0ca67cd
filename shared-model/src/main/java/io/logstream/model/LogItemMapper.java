package io.logstream.model;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps {@link LogRecord}s to DynamoDB items and back. Besides the keys and the record's fields an item carries
 * {@code levelKey} = {@code <service>#<LEVEL>} for WARN and above only (a sparse index attribute, so that reading
 * the problems of a service never reads its INFO/DEBUG traffic) and, when retention is configured, {@code expiresAt}
 * in epoch seconds for DynamoDB TTL.
 */
public final class LogItemMapper {
    public static final String SERVICE = "service";
    public static final String LEVEL = "level";
    public static final String MESSAGE = "message";
    public static final String TS = "ts";
    public static final String ID = "id";
    public static final String TRACE_ID = "traceId";
    public static final String HOST = "host";
    public static final String ATTRIBUTES = "attributes";
    public static final String INGESTED_AT = "ingestedAt";
    public static final String EXPIRES_AT = "expiresAt";
    public static final String LEVEL_KEY = "levelKey";
    /**
     * The attributes {@link #fromItem} reads, for a read's {@code ProjectionExpression}: not {@code service}, {@code ts}
     * and {@code id}, which the keys carry, nor {@code levelKey} and {@code expiresAt}.
     */
    public static final List<String> READ_ATTRIBUTES = List.of(LogKeys.PK, LogKeys.SK, LEVEL, MESSAGE, TRACE_ID, HOST,
            ATTRIBUTES, INGESTED_AT);
    /** {@link #READ_ATTRIBUTES} as expression placeholders, {@code #r0} to {@code #r7}, in order. */
    public static final Map<String, String> READ_NAMES = readNames();
    /** The {@code ProjectionExpression} of a read: {@code #r0, #r1, …} ({@link #READ_NAMES}). */
    public static final String READ_PROJECTION = String.join(", ", READ_NAMES.keySet());
    /** DynamoDB's item size limit. */
    public static final int MAX_ITEM_BYTES = 400 * 1024;

    private LogItemMapper() {
    }

    private static Map<String, String> readNames() {
        Map<String, String> names = new LinkedHashMap<>();
        for (int i = 0; i < READ_ATTRIBUTES.size(); i++) {
            names.put("#r" + i, READ_ATTRIBUTES.get(i));
        }
        return Collections.unmodifiableMap(names);
    }

    /** The sparse level-index partition key of bucket 0, or null for levels below WARN. */
    public static String levelKey(String service, LogLevel level) {
        return level.compareTo(LogLevel.WARN) >= 0 ? Buckets.levelKey(service, level, 0) : null;
    }

    /**
     * @param expiresAtEpochSeconds TTL value, or null when no retention is configured
     */
    public static Map<String, AttributeValue> toItem(LogRecord record, Long expiresAtEpochSeconds) {
        return toItem(record, expiresAtEpochSeconds, 0);
    }

    /**
     * The item of a record in one of its service's buckets ({@link Buckets}): bucket 0 is the service's own key.
     *
     * @param expiresAtEpochSeconds TTL value, or null when no retention is configured
     */
    public static Map<String, AttributeValue> toItem(LogRecord record, Long expiresAtEpochSeconds, int bucket) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put(LogKeys.PK, s(Buckets.partitionKey(record.service(), bucket)));
        item.put(LogKeys.SK, s(record.sortKey()));
        item.put(SERVICE, s(record.service()));
        item.put(LEVEL, s(record.level().name()));
        item.put(MESSAGE, s(record.message()));
        item.put(TS, n(Long.toString(record.ts())));
        item.put(ID, s(record.id()));
        if (record.traceId() != null) {
            item.put(TRACE_ID, s(record.traceId()));
        }
        if (record.host() != null) {
            item.put(HOST, s(record.host()));
        }
        if (!record.attributes().isEmpty()) {
            item.put(ATTRIBUTES, AttributeValue.fromM(toAttributeMap(record.attributes())));
        }
        if (record.ingestedAt() != null) {
            item.put(INGESTED_AT, n(Long.toString(record.ingestedAt())));
        }
        if (record.level().compareTo(LogLevel.WARN) >= 0) {
            item.put(LEVEL_KEY, s(Buckets.levelKey(record.service(), record.level(), bucket)));
        }
        if (expiresAtEpochSeconds != null) {
            item.put(EXPIRES_AT, n(Long.toString(expiresAtEpochSeconds)));
        }
        return item;
    }

    public static LogRecord fromItem(Map<String, AttributeValue> item) {
        String sk = item.get(LogKeys.SK).s();
        AttributeValue attributes = item.get(ATTRIBUTES);
        AttributeValue ingestedAt = item.get(INGESTED_AT);
        return new LogRecord(
                Buckets.serviceOf(item.get(LogKeys.PK).s()),
                LogLevel.valueOf(item.get(LEVEL).s()),
                item.get(MESSAGE).s(),
                LogKeys.tsOf(sk),
                LogKeys.idOf(sk),
                text(item.get(TRACE_ID)),
                text(item.get(HOST)),
                attributes == null ? Map.of() : fromAttributeMap(attributes.m()),
                ingestedAt == null ? null : Long.parseLong(ingestedAt.n()));
    }

    /**
     * The item's size as DynamoDB counts it (UTF-8 lengths of names and values, numbers by digits, nested
     * documents with their per-element overhead), rounded up where DynamoDB's rules are approximate.
     */
    public static int itemSizeBytes(Map<String, AttributeValue> item) {
        int size = 0;
        for (Map.Entry<String, AttributeValue> entry : item.entrySet()) {
            size += utf8Length(entry.getKey()) + valueSize(entry.getValue());
        }
        return size;
    }

    private static int valueSize(AttributeValue value) {
        switch (value.type()) {
            case S:
                return utf8Length(value.s());
            case N:
                return value.n().length() / 2 + 2;
            case B:
                return value.b().asByteArray().length;
            case BOOL:
            case NUL:
                return 1;
            case M: {
                int size = 3;
                for (Map.Entry<String, AttributeValue> entry : value.m().entrySet()) {
                    size += 1 + utf8Length(entry.getKey()) + valueSize(entry.getValue());
                }
                return size;
            }
            case L: {
                int size = 3;
                for (AttributeValue element : value.l()) {
                    size += 1 + valueSize(element);
                }
                return size;
            }
            default:
                return utf8Length(value.toString());
        }
    }

    /** UTF-8 length counted from the chars, without encoding (a lone surrogate counts as '?', as the encoder does). */
    static int utf8Length(String text) {
        int length = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                length++;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                length += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                length++;
            } else {
                length += 3;
            }
        }
        return length;
    }

    private static Map<String, AttributeValue> toAttributeMap(Map<String, Object> values) {
        Map<String, AttributeValue> map = new LinkedHashMap<>();
        values.forEach((key, value) -> map.put(key, toAttribute(value)));
        return map;
    }

    @SuppressWarnings("unchecked")
    private static AttributeValue toAttribute(Object value) {
        if (value == null) {
            return AttributeValue.fromNul(true);
        }
        if (value instanceof String text) {
            return s(text);
        }
        if (value instanceof Boolean bool) {
            return AttributeValue.fromBool(bool);
        }
        if (value instanceof BigDecimal decimal) {
            // bounded: toPlainString of 1e999999999 would be a gigabyte; the parser refuses such numbers first
            if (!JsonValues.fitsDynamoDb(decimal)) {
                throw new IllegalArgumentException("number out of DynamoDB's range: " + JsonValues.NUMBER_RULE);
            }
            return n(decimal.toPlainString());
        }
        if (value instanceof Number number) {
            return n(number.toString());
        }
        if (value instanceof Map<?, ?> map) {
            return AttributeValue.fromM(toAttributeMap((Map<String, Object>) map));
        }
        if (value instanceof List<?> list) {
            List<AttributeValue> elements = new ArrayList<>(list.size());
            list.forEach(element -> elements.add(toAttribute(element)));
            return AttributeValue.fromL(elements);
        }
        if (value instanceof byte[] bytes) {
            return AttributeValue.fromB(SdkBytes.fromByteArray(bytes));
        }
        return s(value.toString());
    }

    private static Map<String, Object> fromAttributeMap(Map<String, AttributeValue> values) {
        Map<String, Object> map = new LinkedHashMap<>();
        values.forEach((key, value) -> map.put(key, fromAttribute(value)));
        return map;
    }

    private static Object fromAttribute(AttributeValue value) {
        switch (value.type()) {
            case S:
                return value.s();
            case N:
                return isWholeNumber(value.n()) ? new BigInteger(value.n()) : new BigDecimal(value.n());
            case BOOL:
                return value.bool();
            case NUL:
                return null;
            case M:
                return fromAttributeMap(value.m());
            case L: {
                List<Object> list = new ArrayList<>(value.l().size());
                value.l().forEach(element -> list.add(fromAttribute(element)));
                return list;
            }
            case B:
                return value.b().asByteArray();
            default:
                return value.toString();
        }
    }

    private static boolean isWholeNumber(String number) {
        for (int i = 0; i < number.length(); i++) {
            char c = number.charAt(i);
            if (!(c >= '0' && c <= '9') && !(i == 0 && c == '-')) {
                return false;
            }
        }
        return !number.isEmpty() && !number.equals("-");
    }

    private static String text(AttributeValue value) {
        return value == null ? null : value.s();
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(String value) {
        return AttributeValue.fromN(value);
    }
}
