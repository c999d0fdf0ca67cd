package io.logstream.query.logql;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The LogQL subset: what parses, what it means, and what is refused with a message naming it. */
class LogQlTest {

    @Test
    void aSelectorWithEveryOperatorAndAChainOfLineFilters() {
        LogQl.Query query = LogQlParser.parseLog(" { service = \"checkout\" ,level=~`ERROR|FATAL`, host!=\"a\", host!~\"b.*\" }"
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
        assertThat(LogQlParser.parseLog("{}").matchers()).isEmpty();
    }

    @Test
    void labelRegexesMatchTheWholeValueLineRegexesAnyPartAndAMissingLabelIsEmpty() {
        LogQl.Matcher level = LogQlParser.parseLog("{level=~\"ERR\"}").matchers().get(0);
        assertThat(level.test("ERR")).isTrue();
        assertThat(level.test("ERROR")).isFalse();
        assertThat(LogQlParser.parseLog("{service=\"a\"} |~ \"ERR\"").lineMatches("an ERROR here")).isTrue();
        assertThat(LogQlParser.parseLog("{host=\"\"}").matchers().get(0).test(null)).isTrue();
        assertThat(LogQlParser.parseLog("{host!=\"\"}").matchers().get(0).test(null)).isFalse();
    }

    @Test
    void oneParseDecidesLogOrMetricAndAMetricQueryNestsTheLogQueryParser() {
        assertThat(LogQlParser.parse(" {service=\"a\"} |= \"x\"")).isInstanceOf(LogQl.Query.class);
        LogQl.Statement metric = LogQlParser.parse("sum by (level) (count_over_time({service=\"a\"} |~ `[x]` [5m])) / 2");
        assertThat(metric).isInstanceOf(LogQl.Binary.class);
        LogQl.Aggregation sum = (LogQl.Aggregation) ((LogQl.Binary) metric).left();
        assertThat(sum.labels()).containsExactly("level");
        LogQl.RangeAggregation range = (LogQl.RangeAggregation) sum.inner();
        assertThat(range.range()).isEqualTo(300_000_000_000L);
        assertThat(range.query().filters()).extracting(LogQl.LineFilter::value).containsExactly("[x]");
        assertThat(((LogQl.Binary) metric).right()).isEqualTo(new LogQl.Scalar(2));
        assertThat(LogQlParser.parse("vector(3)")).isEqualTo(new LogQl.ConstantVector(3));
    }

    @Test
    void aRangeAggregationsLogQueryIsRefusedAsALogQueryWithColumnsInTheWholeQuery() {
        assertThatThrownBy(() -> LogQlParser.parse("rate({pod=\"a\"}[1m])")).isInstanceOf(LogQlException.class)
                .hasMessageContaining("label pod is not supported");
        assertThatThrownBy(() -> LogQlParser.parse("rate( [1m])")).hasMessageContaining("query is required");
        assertThatThrownBy(() -> LogQlParser.parse("rate({service=\"a\"} | distinct host [1m])"))
                .hasMessageContaining("unsupported at col 22: | distinct");
        assertThatThrownBy(() -> LogQlParser.parse("rate({service=\"a\"}[1x])")).hasMessageContaining("invalid range [1x]");
        assertThatThrownBy(() -> LogQlParser.parse("rate({service=\"a\"})")).hasMessageContaining("needs a range");
        assertThat(LogQlParser.parseMetric("rate({service=\"a\"}[1m] offset 1h)")).isInstanceOfSatisfying(
                LogQl.RangeAggregation.class, r -> assertThat(r.offset()).isEqualTo(3_600_000_000_000L));
        assertThatThrownBy(() -> LogQlParser.parse("rate({service=\"a\"}[1m] offset -1h)"))
                .hasMessageContaining("invalid offset");
        assertThatThrownBy(() -> LogQlParser.parse("rate({service=\"a\"}[1m] offset 290y)"))
                .hasMessageContaining("at most 10 years");
        assertThatThrownBy(() -> LogQlParser.parse("rate({service=\"a\"}[1m] by (host))"))
                .hasMessageContaining("expected ) after the range");
        // ^ binds tighter than * and to the right; % as *
        assertThat(LogQlParser.parseMetric("2 * 3 ^ 2 ^ 2 % 5")).isEqualTo(new LogQl.Binary('%',
                new LogQl.Binary('*', new LogQl.Scalar(2), new LogQl.Binary('^', new LogQl.Scalar(3),
                        new LogQl.Binary('^', new LogQl.Scalar(2), new LogQl.Scalar(2)))), new LogQl.Scalar(5)));
        assertThatThrownBy(() -> LogQlParser.parse("quantile(0.5, rate({service=\"a\"}[1m]))"))
                .hasMessageContaining("function quantile is not supported");
        assertThatThrownBy(() -> LogQlParser.parse("topk(1.5, rate({service=\"a\"}[1m]))"))
                .hasMessageContaining("whole number from 1 to 10000");
        assertThatThrownBy(() -> LogQlParser.parse("topk(rate({service=\"a\"}[1m]))"))
                .hasMessageContaining("takes a count first");
        assertThatThrownBy(() -> LogQlParser.parse("1 > 2")).hasMessageContaining("need bool");
        assertThatThrownBy(() -> LogQlParser.parse("1 + {service=\"a\"}")).hasMessageContaining("cannot be combined");
        assertThatThrownBy(() -> LogQlParser.parse("(".repeat(65) + "1" + ")".repeat(65)))
                .hasMessageContaining("nests deeper than 64");
        assertThatThrownBy(() -> LogQlParser.parse("vector(1) x")).hasMessageContaining("col 11: unexpected x");
    }

    @Test
    void topkSortAndComparisonsParseWithPromQlsPrecedence() {
        LogQl.Expr top = LogQlParser.parseMetric("topk by (host) (5, rate({service=\"a\"}[1m]))");
        assertThat(top).isInstanceOfSatisfying(LogQl.TopK.class, t -> {
            assertThat(t.top()).isTrue();
            assertThat(t.k()).isEqualTo(5);
            assertThat(t.labels()).containsExactly("host");
        });
        assertThat(LogQlParser.parseMetric("bottomk(2, rate({service=\"a\"}[1m])) without (host)"))
                .isInstanceOfSatisfying(LogQl.TopK.class, t -> assertThat(t.top() || !t.without()).isFalse());
        assertThat(LogQlParser.parseMetric("approx_topk(2, rate({service=\"a\"}[1m]))"))
                .isInstanceOfSatisfying(LogQl.TopK.class, t -> assertThat(t.top()).isTrue());
        assertThat(LogQlParser.parseMetric("sort_desc(rate({service=\"a\"}[1m]))"))
                .isInstanceOfSatisfying(LogQl.Sort.class, s -> assertThat(s.descending()).isTrue());
        // a comparison binds looser than arithmetic: (rate * 2) > bool (1 + 1)
        assertThat(LogQlParser.parseMetric("rate({service=\"a\"}[1m]) * 2 > bool 1 + 1"))
                .isInstanceOfSatisfying(LogQl.Comparison.class, c -> {
                    assertThat(c.op()).isEqualTo(">");
                    assertThat(c.bool()).isTrue();
                    assertThat(c.left()).isInstanceOf(LogQl.Binary.class);
                    assertThat(c.right()).isInstanceOf(LogQl.Binary.class);
                });
        assertThat(LogQlParser.parseMetric("sum(rate({service=\"a\"}[1m]) != 0)"))
                .isInstanceOfSatisfying(LogQl.Aggregation.class, a -> assertThat(a.inner()).isInstanceOf(LogQl.Comparison.class));
    }

    @Test
    void everythingOutsideTheSubsetIsRefusedByName() {
        assertRefused("{service=\"a\"} | json status=s", "expected a quoted string");
        assertRefused("{service=\"a\"} | regexp \"(.)\"", "no named group");
        assertRefused("{service=\"a\"} | status > \"x\"", "> compares numbers");
        assertRefused("{service=\"a\"} | status > 5xx", "expected a quoted string, a number");
        assertRefused("{service=\"a\"} | status >= 500 latency", "join filters with and, or");
        assertRefused("{service=\"a\"} | drop status=\"500\"", "takes label names");
        assertRefused("{service=\"a\"} | line_format {{.x}}", "| line_format takes a quoted template");
        assertRefused("{service=\"a\"} | decolorize now", "takes no parameters");
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
        assertThatThrownBy(() -> LogQlParser.parseSelector("{service=\"a\"} |= \"x\"")).isInstanceOf(LogQlException.class)
                .hasMessageContaining("no line filters");
    }

    private static void assertRefused(String query, String named) {
        assertThatThrownBy(() -> LogQlParser.parseLog(query)).as(query).isInstanceOf(LogQlException.class)
                .hasMessageContaining(named);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"(((a{1000}){1000}){1000}){1000}", "(a{1000}){11}",
            "((x{100}|y{100}){100}){100}", "(?:[a-z]{1000}){20}", "(a{2,}){1000}{1000}", "\\d{1000}(\\w{1000}){10}"})
    void regexesWhoseRepetitionsExplodeAreRefusedBeforeCompiling(String regex) {
        org.assertj.core.api.Assertions.assertThat(RegexSize.of(regex, LogQl.MAX_REGEX_SIZE)).isGreaterThan(LogQl.MAX_REGEX_SIZE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LogQlParser.parseLog("{service=~\"" + regex.replace("\\", "\\\\") + "\"}"))
                .isInstanceOf(LogQlException.class).hasMessageContaining("too large");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"[0-9a-f]{32}", "(\\d{1,3}\\.){3}\\d{1,3}", "(?i)timeout|refused",
            "a{1000}", "(ab){100}c{5,}", "[[:alpha:]]{1,50}", "\\Q{1000}\\E", "x{,5}"})
    void ordinaryRegexesAreCountedSmall(String regex) {
        org.assertj.core.api.Assertions.assertThat(RegexSize.of(regex, LogQl.MAX_REGEX_SIZE)).isLessThanOrEqualTo(2_000);
    }
}
