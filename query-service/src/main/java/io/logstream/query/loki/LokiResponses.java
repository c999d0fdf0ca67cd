package io.logstream.query.loki;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Loki's response shapes, one record each, as its HTTP API documents them. The HTTP API and the WebSocket tail encode
 * the same records; nothing here is built as a map.
 */
public final class LokiResponses {
    private LokiResponses() {
    }

    /** {@code {"status":"success","data":...,"warnings":[...]}}; no warnings, no field. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Success<T>(String status, T data, @Nullable List<String> warnings) {
        public static <T> Success<T> of(T data, List<String> warnings) {
            return new Success<>("success", data, warnings.isEmpty() ? null : List.copyOf(warnings));
        }

        public static <T> Success<T> of(T data) {
            return new Success<>("success", data, null);
        }
    }

    /**
     * One stream: its labels and its {@code [nanos, line]} entries; under {@code categorize-labels} an entry may have a
     * third element, its {@link Categories}.
     */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Stream(Map<String, String> stream, List<List<Object>> values) {
    }

    /** An entry's labels beside its stream's, under {@code categorize-labels}: each map left out when empty. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Categories(Map<String, String> structuredMetadata, Map<String, String> parsed) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Summary(double execTime, int queueTime, long totalEntriesReturned, long totalLinesProcessed,
                          long totalBytesProcessed) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Stats(Summary summary) {
    }

    /** A log query's data. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StreamsData(String resultType, List<Stream> result, Stats stats, List<String> encodingFlags) {
        public StreamsData(List<Stream> result, Stats stats, boolean categorized) {
            this("streams", result, stats, categorized ? List.of(LokiEncoder.CATEGORIZE_LABELS) : null);
        }
    }

    /** An instant metric query's point of one series: {@code [seconds, "value"]}. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Sample(Map<String, String> metric, List<Object> value) {
    }

    /** A range metric query's series: {@code [[seconds, "value"], ...]}. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Series(Map<String, String> metric, List<List<Object>> values) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record VectorData(String resultType, List<Sample> result) {
        public VectorData(List<Sample> result) {
            this("vector", result);
        }
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record MatrixData(String resultType, List<Series> result) {
        public MatrixData(List<Series> result) {
            this("matrix", result);
        }
    }

    /** A scalar: {@code [seconds, "value"]}. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ScalarData(String resultType, List<Object> result) {
        public ScalarData(List<Object> result) {
            this("scalar", result);
        }
    }

    /** A WebSocket tail frame. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record TailFrame(List<Stream> streams,
                            @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("dropped_entries")
                            @Nullable List<Object> droppedEntries) {
        public TailFrame(List<Stream> streams) {
            this(streams, null);
        }
    }

    /** {@code index/stats}: what a selector covers over a window. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record IndexStats(long streams, long chunks, long entries, long bytes) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record DetectedField(String label, String type, long cardinality, List<String> parsers) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record DetectedFields(List<DetectedField> fields, int limit) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record DetectedLabel(String label, long cardinality) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record DetectedLabels(List<DetectedLabel> detectedLabels) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record FieldValues(List<String> values, int limit) {
    }

    /** A pattern and its counts; log-stream detects none, so the list is always empty. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Pattern(String pattern, List<List<Object>> samples) {
    }

    /** What Grafana's Logs Drilldown may ask of this API. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record DrilldownLimits(Limits limits,
                                  @JsonProperty("pattern_ingester_enabled") boolean patternIngesterEnabled,
                                  String version) {
    }

    /** The limits Logs Drilldown reads, under Loki's names. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Limits(@JsonProperty("discover_log_levels") boolean discoverLogLevels,
                         @JsonProperty("log_level_fields") List<String> logLevelFields,
                         @JsonProperty("max_entries_limit_per_query") int maxEntriesLimitPerQuery,
                         @JsonProperty("volume_enabled") boolean volumeEnabled,
                         @JsonProperty("pattern_persistence_enabled") boolean patternPersistenceEnabled,
                         @JsonProperty("query_timeout") String queryTimeout) {
    }

    /** {@code status/buildinfo}. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record BuildInfo(String version, String revision, String branch, String buildUser, String buildDate,
                            String goVersion) {
    }

    /** Loki's time in results: seconds with up to nine decimals, never in exponent notation. */
    static BigDecimal seconds(long nanos) {
        BigDecimal seconds = BigDecimal.valueOf(nanos, 9).stripTrailingZeros();
        return seconds.scale() < 0 ? seconds.setScale(0) : seconds;
    }
}
