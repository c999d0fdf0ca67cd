package io.logstream.query.logql;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The parsers and formatters beyond json and logfmt, on one entry, with the examples Loki's documentation gives for
 * each: what they extract, how they rewrite the line, and the errors and refusals.
 */
class StagesTest {
    private static final Map<String, String> STREAM = Map.of("service", "checkout", "level", "ERROR");
    private static final Map<String, String> METADATA = Map.of("status", "503", "route", "/pay");
    private static final long TIME = 1723060000250L;

    /** The entry's labels (null when dropped) and, under "__line__", its line after the stages. */
    private static Map<String, String> run(String query, String line) {
        Pipeline.Entry entry = new Pipeline.Entry(line, TIME);
        Map<String, String> labels = Pipeline.run(LogQlParser.parseLog(query).pipeline(), STREAM, METADATA, entry);
        if (labels == null) {
            return null;
        }
        Map<String, String> out = new java.util.TreeMap<>(labels);
        out.put("__line__", entry.line());
        return out;
    }

    @Test
    void jsonExtractionListsTakePathsAndOnlyThose() {
        String line = "{\"request\":{\"route\":\"/pay\",\"headers\":{\"x-id\":\"7\"}},\"tags\":[\"a\",{\"b\":1}],"
                + "\"n\":12,\"obj\":{\"k\":[1,2]}}";
        Map<String, String> labels = run("{service=\"checkout\"} | json route=\"request.route\", id=`request.headers[\"x-id\"]`,"
                + " second=\"tags[1]\", first=\"tags[0]\", n, obj, none=\"request.nothing\"", line);
        assertThat(labels).containsEntry("route", "/pay").containsEntry("id", "7").containsEntry("second", "{\"b\":1}")
                .containsEntry("first", "a").containsEntry("n", "12").containsEntry("obj", "{\"k\":[1,2]}")
                .doesNotContainKeys("none", "request_route", "tags", Pipeline.ERROR);
        assertThat(run("{service=\"checkout\"} | json x=\"a\"", "not json")).containsEntry(Pipeline.ERROR, "JSONParserErr");
        assertThatThrownBy(() -> LogQlParser.parseLog("{service=\"a\"} | json x=\"a[b\""))
                .hasMessageContaining("invalid JSON path");
        assertThatThrownBy(() -> LogQlParser.parseLog("{service=\"a\"} | json x=\"a\", x=\"b\""))
                .hasMessageContaining("extracted twice");
    }

    @Test
    void logfmtFlagsAndExtractionLists() {
        String line = "at=info debug path=/a empty= msg=\"a b\"";
        assertThat(run("{service=\"checkout\"} | logfmt", line)).doesNotContainKeys("debug", "empty")
                .containsEntry("path", "/a");
        assertThat(run("{service=\"checkout\"} | logfmt --keep-empty", line)).containsEntry("debug", "")
                .containsEntry("empty", "");
        assertThat(run("{service=\"checkout\"} | logfmt --strict --keep-empty p=\"path\", msg", line))
                .containsEntry("p", "/a").containsEntry("msg", "a b").doesNotContainKeys("at", "path");
        assertThat(run("{service=\"checkout\"} | logfmt --strict", "a=1 b=\"open")).containsEntry(Pipeline.ERROR,
                "LogfmtParserErr");
        assertThat(run("{service=\"checkout\"} | logfmt", "a=1 b=\"open")).containsEntry("a", "1")
                .doesNotContainKey(Pipeline.ERROR);
        assertThatThrownBy(() -> LogQlParser.parseLog("{service=\"a\"} | logfmt --fast"))
                .hasMessageContaining("the flags are --strict and --keep-empty");
    }

    @Test
    void regexpTakesNamedGroupsOfTheFirstMatch() {
        String line = "POST /api/pay 200 12ms";
        assertThat(run("{service=\"checkout\"} | regexp \"(?P<method>\\\\w+) (?P<path>[\\\\w/]+) (?P<status>\\\\d+)"
                + "(?P<missing>x)?\"", line)).containsEntry("method", "POST").containsEntry("path", "/api/pay")
                .containsEntry("status", "200").doesNotContainKey("missing");
        assertThat(run("{service=\"checkout\"} | regexp \"(?P<level>ERROR)\"", "ERROR here"))
                .containsEntry("level_extracted", "ERROR").containsEntry("level", "ERROR");
        assertThat(run("{service=\"checkout\"} | regexp \"(?P<n>\\\\d+)\"", "none")).doesNotContainKey("n");
        assertThatThrownBy(() -> LogQlParser.parseLog("{service=\"a\"} | regexp \"(\\\\d+)\""))
                .hasMessageContaining("no named group");
    }

    @Test
    void patternCapturesUpToTheNextLiteralAsLokisMatcher() {
        String line = "10.0.0.1 - - [07/Dec/2026:05:00:00 +0000] \"GET /pay HTTP/1.1\" 502 612";
        Map<String, String> labels = run("{service=\"checkout\"} | pattern \"<ip> - <_> [<ts>] \\\"<method> <path> <_>\\\""
                + " <code> <size>\"", line);
        assertThat(labels).containsEntry("ip", "10.0.0.1").containsEntry("ts", "07/Dec/2026:05:00:00 +0000")
                .containsEntry("method", "GET").containsEntry("path", "/pay").containsEntry("code", "502")
                .containsEntry("size", "612").doesNotContainKey("_");
        assertThat(run("{service=\"checkout\"} | pattern \"<a>:<b>;<c>\"", "x:y z")).as("a missing literal ends it")
                .containsEntry("a", "x").containsEntry("b", "y z").doesNotContainKey("c");
        assertThat(run("{service=\"checkout\"} | pattern \"GET <path>\"", "POST /a")).as("a leading literal must lead")
                .doesNotContainKey("path");
        assertThatThrownBy(() -> LogQlParser.parseLog("{service=\"a\"} | pattern \"<a><b>\""))
                .hasMessageContaining("side by side");
        assertThatThrownBy(() -> LogQlParser.parseLog("{service=\"a\"} | pattern \"<_> x\""))
                .hasMessageContaining("no named capture");
    }

    @Test
    void unpackTakesStringValuesAndTheEntryAsTheLine() {
        Map<String, String> labels = run("{service=\"checkout\"} | unpack",
                "{\"container\":\"app\",\"n\":1,\"_entry\":\"the original line\"}");
        assertThat(labels).containsEntry("container", "app").containsEntry("__line__", "the original line")
                .doesNotContainKeys("n", "_entry");
        assertThat(run("{service=\"checkout\"} | unpack |= \"original\"", "{\"_entry\":\"the original line\"}"))
                .isNotNull();
        assertThat(run("{service=\"checkout\"} | unpack |= \"_entry\"", "{\"_entry\":\"the original line\"}"))
                .as("a line filter after unpack sees the unpacked line").isNull();
    }

    @Test
    void lineFormatRewritesTheLineAndLaterLineFiltersSeeIt() {
        String query = "{service=\"checkout\"} | logfmt | line_format \"{{.method | ToUpper}} {{.path}} -> {{.status}}"
                + "{{ if eq .status \\\"503\\\" }} (unavailable){{ else }} ok{{ end }}\"";
        Map<String, String> labels = run(query, "method=get path=/pay");
        assertThat(labels).containsEntry("__line__", "GET /pay -> 503 (unavailable)");
        assertThat(run(query + " |= \"unavailable\"", "method=get path=/pay")).isNotNull();
        assertThat(run(query + " |= \"method=\"", "method=get path=/pay")).as("the old line is gone").isNull();
        assertThat(run("{service=\"checkout\"} |= \"method=\" | line_format \"{{.route}}\"", "method=get"))
                .as("a filter before it sees the old line").containsEntry("__line__", "/pay");
        assertThat(run("{service=\"checkout\"} | line_format `{{ __line__ | trimPrefix \"x\" | len }} "
                + "{{ printf \"%s=%d\" \"n\" 42 }} {{ replace \"a\" \"b\" \"banana\" }} {{ default \"none\" .nothing }}"
                + " {{ __timestamp__ | unixEpochMillis }} {{ substr 0 3 \"checkout\" }} {{ regexReplaceAll \"(\\\\d+)\" "
                + "\"a12b\" \"<$1>\" }} {{- \"  trimmed\" -}}  !`", "xabc"))
                .containsEntry("__line__", "3 n=42 bbnbnb none 1723060000250 che a<12>b  trimmed!");
    }

    @Test
    void aTemplateIsBoundedAndItsFailuresAreErrorLabels() {
        assertThat(run("{service=\"checkout\"} | line_format \"{{ repeat 100000 \\\"x\\\" }}\"", "a"))
                .containsEntry(Pipeline.ERROR, "TemplateFormatErr").containsEntry("__line__", "a");
        assertThat(run("{service=\"checkout\"} | line_format \"{{ add .status \\\"x\\\" }}\"", "a"))
                .containsEntry(Pipeline.ERROR, "TemplateFormatErr");
        String many = "{{ .a }}".repeat(LineTemplate.MAX_STEPS / 2 + 1);
        assertThatThrownBy(() -> LogQlParser.parseLog("{service=\"a\"} | line_format \"" + "x".repeat(3000) + "\""))
                .hasMessageContaining("longer than");
        assertThat(run("{service=\"checkout\"} | line_format \"" + many.substring(0, Math.min(many.length(), 2040))
                + "\"", "a")).doesNotContainKey(Pipeline.ERROR);
        assertThatThrownBy(() -> LogQlParser.parseLog("{service=\"a\"} | line_format \"{{ exec .a }}\""))
                .hasMessageContaining("function exec is not supported");
        assertThatThrownBy(() -> LogQlParser.parseLog("{service=\"a\"} | line_format \"{{ range .a }}{{ end }}\""))
                .hasMessageContaining("not supported");
        assertThatThrownBy(() -> LogQlParser.parseLog("{service=\"a\"} | line_format \"{{ if .a }}x\""))
                .hasMessageContaining("without {{end}}");
        assertThatThrownBy(() -> LogQlParser.parseLog("{service=\"a\"} | line_format \"{{ .a \""))
                .hasMessageContaining("unclosed");
    }

    @Test
    void labelFormatRenamesAndTemplatesFromTheLabelsBeforeIt() {
        Map<String, String> labels = run("{service=\"checkout\"} | logfmt | label_format dst=src, "
                + "both=\"{{.src}}/{{.status}}\", code=status", "src=a other=b");
        assertThat(labels).containsEntry("dst", "a").containsEntry("both", "a/503").containsEntry("code", "503")
                .doesNotContainKey("src");
        assertThat(run("{service=\"checkout\"} | label_format code=status | status=\"\"", "x"))
                .as("a renamed metadata label is gone").isNotNull();
        assertThatThrownBy(() -> LogQlParser.parseLog("{service=\"a\"} | label_format a=b, a=c"))
                .hasMessageContaining("formatted twice");
    }

    @Test
    void decolorizeRemovesAnsiSequences() {
        assertThat(run("{service=\"checkout\"} | decolorize", "\u001b[31mred\u001b[0m and \u001b[1;32mgreen\u001b[0m"))
                .containsEntry("__line__", "red and green");
        assertThat(run("{service=\"checkout\"} | decolorize |= \"red and\"", "\u001b[31mred\u001b[0m and")).isNotNull();
    }
}
