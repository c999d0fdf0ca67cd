package io.logstream.query.logql;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Pipeline stages on one entry: what they keep, what labels they leave, and which errors they set, as Loki does. */
class PipelineTest {
    private static final Map<String, String> STREAM = Map.of("service", "checkout", "level", "ERROR");
    private static final Map<String, String> METADATA = Map.of("status", "503", "latencyMs", "1250",
            "detected_level", "error");

    private static Map<String, String> run(String query, String line) {
        return Pipeline.run(LogQlParser.parseLog(query).pipeline(), line, STREAM, METADATA);
    }

    @Test
    void structuredMetadataIsFilteredWithoutAParserAndStaysOutOfTheLabels() {
        assertThat(run("{service=\"checkout\"} | status >= 500", "x")).isEqualTo(STREAM);
        assertThat(run("{service=\"checkout\"} | status < 500", "x")).isNull();
        assertThat(run("{service=\"checkout\"} | detected_level=\"error\" and latencyMs > 1000", "x")).isEqualTo(STREAM);
        assertThat(run("{service=\"checkout\"} | missing=\"\"", "x")).as("a missing label is empty").isEqualTo(STREAM);
    }

    @Test
    void jsonExtractsNestedKeysJoinedByUnderscoreSkipsArraysAndRenamesStreamLabels() {
        Map<String, String> labels = run("{service=\"checkout\"} | json",
                "{\"route\":\"/pay\",\"http\":{\"status\":502,\"ok\":false},\"tags\":[1,2],\"level\":\"warn\",\"a-b\":null}");
        assertThat(labels).containsEntry("route", "/pay").containsEntry("http_status", "502")
                .containsEntry("http_ok", "false").containsEntry("level_extracted", "warn").containsEntry("a_b", "")
                .containsEntry("level", "ERROR").doesNotContainKey("tags").doesNotContainKey(Pipeline.ERROR);
        assertThat(run("{service=\"checkout\"} | json | http_status == 502", "{\"http\":{\"status\":502}}")).isNotNull();
        assertThat(run("{service=\"checkout\"} | json | http_status != 502", "{\"http\":{\"status\":502}}")).isNull();
    }

    @Test
    void aLineThatIsNotJsonGetsTheParserErrorAndAnErrorFilterLeavesItOut() {
        assertThat(run("{service=\"checkout\"} | json", "plain text")).containsEntry(Pipeline.ERROR, "JSONParserErr")
                .containsKey(Pipeline.ERROR_DETAILS);
        assertThat(run("{service=\"checkout\"} | json | __error__=\"\"", "plain text")).isNull();
        String deep = "{\"a\":".repeat(200) + "1" + "}".repeat(200);
        assertThat(run("{service=\"checkout\"} | json", deep)).as("nesting past the limit")
                .containsEntry(Pipeline.ERROR, "JSONParserErr");
    }

    @Test
    void logfmtReadsBareQuotedAndEscapedValues() {
        Map<String, String> labels = run("{service=\"checkout\"} | logfmt",
                "at=info method=GET path=\"/a b\" msg=\"say \\\"hi\\\"\" flag");
        assertThat(labels).containsEntry("at", "info").containsEntry("method", "GET").containsEntry("path", "/a b")
                .containsEntry("msg", "say \"hi\"").doesNotContainKey("flag");
        assertThat(run("{service=\"checkout\"} | logfmt", "{\"c\":1} b=2 a=\"open")).as("unreadable tokens skipped")
                .containsEntry("b", "2").doesNotContainKeys("a", "c", Pipeline.ERROR);
    }

    @Test
    void numericFiltersReadDurationsAndSizesAndANonNumberIsALabelFilterError() {
        assertThat(run("{service=\"checkout\"} | logfmt | took > 250ms", "took=1.5s")).isNotNull();
        assertThat(run("{service=\"checkout\"} | logfmt | took > 2s", "took=1.5s")).isNull();
        assertThat(run("{service=\"checkout\"} | logfmt | size >= 20MB", "size=21MB")).isNotNull();
        assertThat(run("{service=\"checkout\"} | logfmt | size >= 1KiB", "size=1000B")).isNull();
        assertThat(run("{service=\"checkout\"} | logfmt | n > 1", "n=lots")).as("kept, with the error")
                .containsEntry(Pipeline.ERROR, "LabelFilterErr");
    }

    @Test
    void andBindsTighterThanOrAndParenthesesAndCommasGroup() {
        String line = "a=1 b=2";
        assertThat(run("{service=\"checkout\"} | logfmt | a=\"1\" or a=\"9\" and b=\"9\"", line)).isNotNull();
        assertThat(run("{service=\"checkout\"} | logfmt | (a=\"1\" or a=\"9\") and b=\"9\"", line)).isNull();
        assertThat(run("{service=\"checkout\"} | logfmt | a=\"1\", b=~\"[0-9]\"", line)).isNotNull();
    }

    @Test
    void dropAndKeepRemoveLabelsAndMetadata() {
        assertThat(run("{service=\"checkout\"} | logfmt | drop a", "a=1 b=2")).doesNotContainKey("a")
                .containsEntry("b", "2");
        assertThat(run("{service=\"checkout\"} | logfmt | keep b, service", "a=1 b=2"))
                .containsOnlyKeys("b", "service");
        assertThat(run("{service=\"checkout\"} | drop status | status=\"\"", "x")).as("dropped metadata is empty")
                .isNotNull();
    }

    @Test
    void grafanasDropOfTheErrorLabelsBeforeAnyStageIsNoStageAtAll() {
        assertThat(LogQlParser.parseLog("{service=\"a\"} | drop __error__, __error_details__").pipeline()).isEmpty();
        assertThat(LogQlParser.parseLog("{service=\"a\"} | json | drop __error__").pipeline()).hasSize(2);
    }

    @Test
    void labelNamesAreSanitisedAsLoki() {
        assertThat(Pipeline.sanitize("http.status")).isEqualTo("http_status");
        assertThat(Pipeline.sanitize("2xx")).isEqualTo("_2xx");
        assertThat(Pipeline.flatten(Map.of("http", Map.of("code", new java.math.BigDecimal("200.0")), "list",
                java.util.List.of(1)))).containsExactly(Map.entry("http_code", "200.0"));
    }
}
