package io.logstream.consumer.core;

import io.logstream.model.LogRecord;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;

/** A parsed record, its item, and the record it came from (for the dead-letter sink if DynamoDB refuses it). */
public record PendingItem(IncomingRecord source, LogRecord record, Map<String, AttributeValue> item) {
    public String key() {
        return record.service() + '\u0000' + record.sortKey();
    }
}
