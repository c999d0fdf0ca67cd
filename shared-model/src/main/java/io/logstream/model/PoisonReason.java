package io.logstream.model;

/** Why a record went to the dead-letter sink. The code is what operators see in the message and metrics. */
public enum PoisonReason {
    INVALID_UTF8("invalid-utf8"),
    INVALID_JSON("invalid-json"),
    NOT_AN_OBJECT("not-an-object"),
    MISSING_SERVICE("missing-service"),
    INVALID_SERVICE("invalid-service"),
    MISSING_MESSAGE("missing-message"),
    INVALID_MESSAGE("invalid-message"),
    INVALID_LEVEL("invalid-level"),
    INVALID_TIMESTAMP("invalid-timestamp"),
    INVALID_ID("invalid-id"),
    INVALID_FIELD("invalid-field"),
    /** A number DynamoDB cannot store: over 38 significant digits, or a magnitude outside 1E-130..9.99E+125. */
    INVALID_NUMBER("invalid-number"),
    /** A string with a lone UTF-16 surrogate, which no UTF-8 store can keep as it is. */
    INVALID_TEXT("invalid-text"),
    ITEM_TOO_LARGE("item-too-large"),
    /** DynamoDB refused the item itself (a ValidationException on a single put). */
    ITEM_REJECTED("item-rejected"),
    /** The record was stored but its LogError event could not be delivered within the retry budget. */
    ALERT_UNDELIVERED("alert-undelivered"),
    /** Handling the record failed in a way no rule above names (a defect); the record is kept here, not lost. */
    UNPROCESSABLE("unprocessable");

    private final String code;

    PoisonReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
