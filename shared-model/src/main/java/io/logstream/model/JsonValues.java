package io.logstream.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts Jackson trees to plain Java values (String, Boolean, BigDecimal/BigInteger, null, List, Map), refusing what
 * DynamoDB could not store: numbers beyond its range ({@link #NUMBER_RULE}) and strings with a lone UTF-16 surrogate.
 * The checks look at the exact value before anything expands it, so a 77-byte {@code 1e999999999} costs nothing.
 */
final class JsonValues {
    /** DynamoDB's number type, as its documentation states it. */
    static final String NUMBER_RULE = "at most 38 significant digits and a magnitude of 1E-130 to 9.99E+125";
    private static final int MAX_PRECISION = 38;
    private static final int MIN_EXPONENT = -130;
    private static final int MAX_EXPONENT = 125;

    private JsonValues() {
    }

    /** A value DynamoDB cannot take; {@link LogRecordParser} makes it a poison record with this reason. */
    static final class InvalidValue extends RuntimeException {
        private final PoisonReason reason;

        InvalidValue(PoisonReason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        PoisonReason reason() {
            return reason;
        }
    }

    static Object toJava(String where, JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isTextual()) {
            return text(where, node.textValue());
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNumber()) {
            BigDecimal exact = node.decimalValue();
            checkNumber(where, exact);
            return node.isIntegralNumber() ? node.bigIntegerValue() : exact;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            node.forEach(element -> list.add(toJava(where, element)));
            return list;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(field ->
                    map.put(text(where, field.getKey()), toJava(where, field.getValue())));
            return map;
        }
        return text(where, node.asText());
    }

    /** {@code text} itself; refused when it holds a lone surrogate, which UTF-8 (and so DynamoDB) cannot carry. */
    static String text(String where, String text) {
        if (hasLoneSurrogate(text)) {
            throw new InvalidValue(PoisonReason.INVALID_TEXT, "field '" + where + "' holds a lone UTF-16 surrogate "
                    + "(an unpaired \\ud800-\\udfff escape), which is not text");
        }
        return text;
    }

    static void checkNumber(String where, BigDecimal value) {
        if (!fitsDynamoDb(value)) {
            throw new InvalidValue(PoisonReason.INVALID_NUMBER, "field '" + where + "' holds a number DynamoDB cannot "
                    + "store (" + NUMBER_RULE + ")");
        }
    }

    /** Decided from the unscaled digits and the scale alone: nothing is expanded. */
    static boolean fitsDynamoDb(BigDecimal value) {
        if (value.signum() == 0) {
            return true;
        }
        BigDecimal stripped = value.stripTrailingZeros();
        if (stripped.precision() > MAX_PRECISION) {
            return false;
        }
        long exponent = (long) stripped.precision() - stripped.scale() - 1;
        return exponent >= MIN_EXPONENT && exponent <= MAX_EXPONENT;
    }

    static boolean hasLoneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
