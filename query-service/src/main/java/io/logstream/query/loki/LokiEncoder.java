package io.logstream.query.loki;

import io.logstream.query.logql.LogQl;
import io.logstream.query.logql.Pipeline;

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
        return bytes(line(record));
    }

    /**
     * The query's host matchers, line filters and pipeline; a line is rendered only when there are line filters or
     * pipeline stages.
     */
    public Predicate<LogRecord> filter(LogQl.Query query) {
        Predicate<LogRecord> lines = lineFilter(query);
        return query.pipeline().isEmpty() ? lines : lines.and(record -> labels(record, query) != null);
    }

    /** The query's host matchers and line filters only: what {@link #labels} does not already decide. */
    public Predicate<LogRecord> lineFilter(LogQl.Query query) {
        Predicate<LogRecord> hosts = SelectorReader.hostFilter(query.matchers());
        return query.filters().isEmpty() ? hosts : hosts.and(record -> query.lineMatches(line(record)));
    }

    /** A record's labels after the query's pipeline (its stream labels when it has none); null if it drops it. */
    public Map<String, String> labels(LogRecord record, LogQl.Query query) {
        return labels(record, query, null);
    }

    /**
     * As {@link #labels(LogRecord, LogQl.Query)} on {@code entry} (from {@link #entry}), which then holds the line as
     * the stages rewrote it and the value an unwrap stage read.
     */
    public Map<String, String> labels(LogRecord record, LogQl.Query query, Pipeline.Entry entry) {
        Map<String, String> labels = labelsOf(record);
        return query.pipeline().isEmpty() ? labels
                : Pipeline.run(query.pipeline(), labels, metadataOf(record), entry == null ? entry(record) : entry);
    }

    /** A record as a pipeline's entry: its line and time. */
    public Pipeline.Entry entry(LogRecord record) {
        return new Pipeline.Entry(line(record), record.ts());
    }

    /** A line's size in UTF-8 bytes. */
    public static long bytes(String line) {
        return line.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** A record's structured metadata, as label filters see it: its attributes (flattened) and detected_level. */
    public static Map<String, String> metadataOf(LogRecord record) {
        Map<String, String> metadata = Pipeline.flatten(record.attributes());
        metadata.putIfAbsent("detected_level", record.level().name().toLowerCase(java.util.Locale.ROOT));
        return metadata;
    }

    /** Grafana's flag for entries whose labels come split by kind ({@code X-Loki-Response-Encoding-Flags}). */
    public static final String CATEGORIZE_LABELS = "categorize-labels";

    /** As {@link #streams(List, LogQl.Query, boolean)} in Loki's legacy encoding. */
    public List<LokiResponses.Stream> streams(List<LogRecord> records, LogQl.Query query) {
        return streams(records, query, false, null);
    }

    /** As {@link #streams(List, LogQl.Query, boolean, Pass)}, running the pipeline again. */
    public List<LokiResponses.Stream> streams(List<LogRecord> records, LogQl.Query query, boolean categorize) {
        return streams(records, query, categorize, null);
    }

    /** A record the pipeline kept: its labels and its entry (line, metadata). */
    private record Kept(Map<String, String> labels, Pipeline.Entry entry) {
    }

    /**
     * One request's filter ({@link #filter}) that remembers what the pipeline made of each record it kept, so that
     * the answer's streams reuse it rather than run the pipeline a second time. For one request only: it holds every
     * record it kept.
     */
    public final class Pass implements Predicate<LogRecord> {
        private final LogQl.Query query;
        private final Predicate<LogRecord> lines;
        private final Map<LogRecord, Kept> kept = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

        private Pass(LogQl.Query query) {
            this.query = query;
            this.lines = lineFilter(query);
        }

        @Override
        public boolean test(LogRecord record) {
            if (!lines.test(record)) {
                return false;
            }
            if (query.pipeline().isEmpty()) {
                return true;
            }
            Pipeline.Entry entry = entry(record);
            Map<String, String> labels = labels(record, query, entry);
            if (labels == null) {
                return false;
            }
            kept.put(record, new Kept(labels, entry));
            return true;
        }
    }

    /** A {@link Pass} for one request's log query. */
    public Pass pass(LogQl.Query query) {
        return new Pass(query);
    }

    /**
     * Records as Loki streams, one per label set, in first-seen order, each keeping the records' order; the lines as
     * the pipeline left them. As Loki encodes them:
     * <ul>
     *   <li>legacy: a stream's labels are the entry's stream labels, parsed labels (and error labels) and structured
     *   metadata (what drop and keep left of it), all merged;</li>
     *   <li>{@code categorize}: a stream's labels are the stream labels only, and each entry carries its
     *   {@code structuredMetadata} and {@code parsed} labels as a third element (when it has any).</li>
     * </ul>
     */
    public List<LokiResponses.Stream> streams(List<LogRecord> records, LogQl.Query query, boolean categorize,
                                              Pass pass) {
        Map<Map<String, String>, List<List<Object>>> streams = new LinkedHashMap<>();
        for (LogRecord record : records) {
            Kept known = pass == null || pass.query != query ? null : pass.kept.get(record);
            Pipeline.Entry entry = known != null ? known.entry() : entry(record);
            Map<String, String> labels = known != null ? known.labels() : labels(record, query, entry);
            if (labels == null) {
                continue;
            }
            Map<String, String> metadata = query.pipeline().isEmpty() ? metadataOf(record) : entry.metadata();
            Map<String, String> stream = new TreeMap<>();
            Map<String, String> parsed = new TreeMap<>();
            Map<String, String> own = labelsOf(record);
            labels.forEach((name, value) -> (own.containsKey(name) ? stream : parsed).put(name, value));
            List<Object> value;
            if (categorize) {
                value = metadata.isEmpty() && parsed.isEmpty()
                        ? List.of(LokiTime.nanosText(record.ts()), entry.line())
                        : List.of(LokiTime.nanosText(record.ts()), entry.line(),
                        new LokiResponses.Categories(new TreeMap<>(metadata), parsed));
            } else {
                metadata.forEach(stream::putIfAbsent);
                stream.putAll(parsed);
                value = List.of(LokiTime.nanosText(record.ts()), entry.line());
            }
            streams.computeIfAbsent(stream, key -> new ArrayList<>()).add(value);
        }
        List<LokiResponses.Stream> result = new ArrayList<>();
        streams.forEach((labels, values) -> result.add(new LokiResponses.Stream(labels, values)));
        return result;
    }

    /** A tail frame as the text the WebSocket sends. */
    public String tailFrame(List<LogRecord> records, LogQl.Query query) {
        return encode(new LokiResponses.TailFrame(streams(records, query)));
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
