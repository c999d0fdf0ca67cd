package io.logstream.query.loki;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The LogQL subset: what parses, what it means, and what is refused with a message naming it. */
class LogQlTest {

    @Test
    void aSelectorWithEveryOperatorAndAChainOfLineFilters() {
        LogQl.Query query = LogQl.parse(" { service = \"checkout\" ,level=~`ERROR|FATAL`, host!=\"a\", host!~\"b.*\" }"
                + " |= \"time\\\"out\" != `retry` |~ \"db[0-9]+\" !~ \"(?i)debug\" ");
        assertThat(query.matchers()).extracting(LogQl.Matcher::label, LogQl.Matcher::op, LogQl.Matcher::value)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("service", LogQl.Op.EQ, "checkout"),
                        org.assertj.core.groups.Tuple.tuple("level", LogQl.Op.RE, "ERROR|FATAL"),
                        org.assertj.core.groups.Tuple.tuple("host", LogQl.Op.NEQ, "a"),
                        org.assertj.core.groups.Tuple.tuple("host", LogQl.Op.NRE, "b.*"));
        assertThat(query.filters()).extracting(LogQl.LineFilter::op, LogQl.LineFilter::value).containsExactly(
                org.assertj.core.groups.Tuple.tuple(LogQl.Op.EQ, "time\"out"),
                org.assertj.core.groups.Tuple.tuple(LogQl.Op.NEQ, "retry"),
                org.assertj.core.groups.Tuple.tuple(LogQl.Op.RE, "db[0-9]+"),
                org.assertj.core.groups.Tuple.tuple(LogQl.Op.NRE, "(?i)debug"));
        assertThat(query.lineMatches("time\"out on db42")).isTrue();
        assertThat(query.lineMatches("time\"out on db42, retry")).isFalse();
        assertThat(query.lineMatches("time\"out on db42 DEBUG")).isFalse();
        assertThat(query.lineMatches("time\"out on dbX")).isFalse();
        assertThat(LogQl.parse("{}").matchers()).isEmpty();
    }

    @Test
    void labelRegexesMatchTheWholeValueLineRegexesAnyPartAndAMissingLabelIsEmpty() {
        LogQl.Matcher level = LogQl.parse("{level=~\"ERR\"}").matchers().get(0);
        assertThat(level.test("ERR")).isTrue();
        assertThat(level.test("ERROR")).isFalse();
        assertThat(LogQl.parse("{service=\"a\"} |~ \"ERR\"").lineMatches("an ERROR here")).isTrue();
        assertThat(LogQl.parse("{host=\"\"}").matchers().get(0).test(null)).isTrue();
        assertThat(LogQl.parse("{host!=\"\"}").matchers().get(0).test(null)).isFalse();
    }

    @Test
    void anAlternationOfLiteralNamesNeedsNoCatalogue() {
        assertThat(SelectorReader.literalAlternation("checkout|api\\.gateway|a-b")).isEqualTo(
                Set.of("checkout", "api.gateway", "a-b"));
        for (String regex : List.of("check.*", "a|", "(a|b)", "a+", "[ab]", "^a$", "a\\d")) {
            assertThat(SelectorReader.literalAlternation(regex)).as(regex).isNull();
        }
    }

    @Test
    void everythingOutsideTheSubsetIsRefusedByName() {
        assertRefused("{service=\"a\"} | json", "| json");
        assertRefused("{service=\"a\"} | logfmt | level=\"x\"", "| logfmt");
        assertRefused("{service=\"a\"} | line_format \"{{.x}}\"", "line_format");
        assertRefused("count_over_time({service=\"a\"}[5m])", "count_over_time");
        assertRefused("sum by (level) (rate({service=\"a\"}[1m]))", "sum");
        assertRefused("{pod=\"a\"}", "label pod is not supported");
        assertRefused("{service==\"a\"}", "expected a quoted string");
        assertRefused("{service=\"a\\q\"}", "unsupported escape \\q");
        assertRefused("{service=\"a}", "unterminated string");
        assertRefused("{service=`a}", "unterminated back-quoted string");
        assertRefused("{service=~\"a(\"}", "invalid regular expression");
        assertRefused("", "query is required");
        assertRefused("{service=\"" + "a".repeat(5000) + "\"}", "longer than 4096");
        assertThatThrownBy(() -> LogQl.parseSelector("{service=\"a\"} |= \"x\"")).isInstanceOf(LogQlException.class)
                .hasMessageContaining("no line filters");
    }

    private static void assertRefused(String query, String named) {
        assertThatThrownBy(() -> LogQl.parse(query)).as(query).isInstanceOf(LogQlException.class)
                .hasMessageContaining(named);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"(((a{1000}){1000}){1000}){1000}", "(a{1000}){11}",
            "((x{100}|y{100}){100}){100}", "(?:[a-z]{1000}){20}", "(a{2,}){1000}{1000}", "\\d{1000}(\\w{1000}){10}"})
    void regexesWhoseRepetitionsExplodeAreRefusedBeforeCompiling(String regex) {
        org.assertj.core.api.Assertions.assertThat(RegexSize.of(regex, LogQl.MAX_REGEX_SIZE)).isGreaterThan(LogQl.MAX_REGEX_SIZE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LogQl.parse("{service=~\"" + regex.replace("\\", "\\\\") + "\"}"))
                .isInstanceOf(LogQlException.class).hasMessageContaining("too large");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"[0-9a-f]{32}", "(\\d{1,3}\\.){3}\\d{1,3}", "(?i)timeout|refused",
            "a{1000}", "(ab){100}c{5,}", "[[:alpha:]]{1,50}", "\\Q{1000}\\E", "x{,5}"})
    void ordinaryRegexesAreCountedSmall(String regex) {
        org.assertj.core.api.Assertions.assertThat(RegexSize.of(regex, LogQl.MAX_REGEX_SIZE)).isLessThanOrEqualTo(2_000);
    }
}
