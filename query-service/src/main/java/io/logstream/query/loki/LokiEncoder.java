package io.logstream.query.loki;

import io.logstream.query.logql.LogQl;

import io.logstream.model.LogRecord;
import io.logstream.query.config.ReadSettings;
import io.logstream.query.rest.LogView;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Records as Loki sees them: their labels, their line and their streams. One encoder for the HTTP API and the
 * WebSocket tail.
 */
@Singleton
public class LokiEncoder {
    private final JsonMapper json;
    private final ReadSettings.LokiLine lineFormat;

    public LokiEncoder(JsonMapper json, ReadSettings settings) {
        this.json = json;
        this.lineFormat = settings.lokiLine();
    }

    /** The line Loki clients show: the message, or the whole record as JSON (log-stream.reads.loki-line). */
    public String line(LogRecord record) {
        if (lineFormat == ReadSettings.LokiLine.MESSAGE) {
            return record.message();
        }
        return encode(LogView.of(record));
    }

    /** The line's size in UTF-8 bytes, as Loki's byte counts and volumes measure it. */
    public long lineBytes(LogRecord record) {
        return line(record).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** The query's host matchers and line filters; a line is rendered only when there are line filters. */
    public Predicate<LogRecord> filter(LogQl.Query query) {
        Predicate<LogRecord> hosts = SelectorReader.hostFilter(query.matchers());
        return query.filters().isEmpty() ? hosts : hosts.and(record -> query.lineMatches(line(record)));
    }

    /** Records as Loki streams: one per label set, in first-seen order, each keeping the records' order. */
    public List<LokiResponses.Stream> streams(List<LogRecord> records) {
        Map<Map<String, String>, List<List<String>>> streams = new LinkedHashMap<>();
        for (LogRecord record : records) {
            streams.computeIfAbsent(labelsOf(record), labels -> new ArrayList<>())
                    .add(List.of(LokiTime.nanosText(record.ts()), line(record)));
        }
        List<LokiResponses.Stream> result = new ArrayList<>();
        streams.forEach((labels, values) -> result.add(new LokiResponses.Stream(labels, values)));
        return result;
    }

    /** A tail frame as the text the WebSocket sends. */
    public String tailFrame(List<LogRecord> records) {
        return encode(new LokiResponses.TailFrame(streams(records)));
    }

    /** A record's Loki labels: host (when it has one), level and service, in name order. */
    public static Map<String, String> labelsOf(LogRecord record) {
        Map<String, String> labels = new TreeMap<>();
        if (record.host() != null && !record.host().isEmpty()) {
            labels.put("host", record.host());
        }
        labels.put("level", record.level().name());
        labels.put("service", record.service());
        return labels;
    }

    private String encode(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
