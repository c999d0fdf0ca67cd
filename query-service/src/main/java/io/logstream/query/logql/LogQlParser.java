package io.logstream.query.logql;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.logstream.query.logql.LogQl.Aggregation;
import io.logstream.query.logql.LogQl.Binary;
import io.logstream.query.logql.LogQl.ConstantVector;
import io.logstream.query.logql.LogQl.Expr;
import io.logstream.query.logql.LogQl.Grouping;
import io.logstream.query.logql.LogQl.LineFilter;
import io.logstream.query.logql.LogQl.Matching;
import io.logstream.query.logql.LogQl.Matcher;
import io.logstream.query.logql.LogQl.Op;
import io.logstream.query.logql.LogQl.Query;
import io.logstream.query.logql.LogQl.RangeAggregation;
import io.logstream.query.logql.LogQl.Scalar;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The one parser for log and metric queries (docs/loki.md), over one {@link LogQlLexer}:
 * <ul>
 *   <li>a log query is a stream selector with {@code =}, {@code !=}, {@code =~}, {@code !~} on {@link LogQl#LABELS},
 *   then a pipeline: line filters {@code |=}, {@code !=}, {@code |~}, {@code !~}, the parsers {@code | json} and
 *   {@code | logfmt}, label filters (strings, numbers, durations and sizes, with {@code and}, {@code or}, commas and
 *   parentheses), {@code | drop} and {@code | keep} ({@link Pipeline});</li>
 *   <li>a metric query is a range aggregation of a log query ({@code count_over_time}, {@code rate},
 *   {@code bytes_over_time}, {@code bytes_rate}), vector aggregations over them ({@code sum}, {@code count},
 *   {@code min}, {@code max}, {@code avg} with {@code by (...)} or {@code without (...)} before or after the
 *   parenthesis), numbers, {@code vector(n)} and {@code + - * /} with parentheses.</li>
 * </ul>
 * A query that starts with {@code {} is a log query; anything else is a metric query: {@link #parse} decides it once.
 * A regex whose expanded repetitions exceed {@link LogQl#MAX_REGEX_SIZE} elements is refused before it is compiled.
 * Everything else is refused with a message that names it.
 */
public final class LogQlParser {
    private static final int MAX_LENGTH = 4096;
    /** Deepest nesting of parentheses and aggregations: ample for any real query, far from the stack's limit. */
    static final int MAX_DEPTH = 64;
    /** Longest offset: 10 years, so an instant minus offset and range stays far inside a long's nanoseconds. */
    private static final long MAX_OFFSET = 10L * 366 * 24 * 3600 * 1_000_000_000L;
    /** Range aggregations that count entries or bytes: no unwrap. */
    private static final Set<String> LOG_RANGE_FUNCTIONS = Set.of("count_over_time", "bytes_over_time", "bytes_rate",
            "absent_over_time");
    /** Range aggregations of unwrapped values ({@code rate} takes both). */
    private static final Set<String> UNWRAP_FUNCTIONS = Set.of("sum_over_time", "avg_over_time", "min_over_time",
            "max_over_time", "stddev_over_time", "stdvar_over_time", "quantile_over_time", "first_over_time",
            "last_over_time", "rate_counter");
    /** The range aggregations that take by/without after their parenthesis, as in Loki. */
    private static final Set<String> GROUPED_RANGE_FUNCTIONS = Set.of("avg_over_time", "min_over_time",
            "max_over_time", "stddev_over_time", "stdvar_over_time", "quantile_over_time", "first_over_time",
            "last_over_time");
    private static final Set<String> AGGREGATIONS = Set.of("sum", "count", "min", "max", "avg");

    private final LogQlLexer lexer;
    /** Whether this log query is a range aggregation's, which may unwrap a label. */
    private final boolean inRange;
    private int depth;

    private LogQlParser(LogQlLexer lexer) {
        this(lexer, false);
    }

    private LogQlParser(LogQlLexer lexer, boolean inRange) {
        this.lexer = lexer;
        this.inRange = inRange;
    }

    /**
     * A recording rule's series queried by itself: its name, and label matchers in braces. No LogQL expression is a
     * bare name, so this form is never a LogQL query's.
     */
    private static final java.util.regex.Pattern RECORDED = java.util.regex.Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\{.*})?", java.util.regex.Pattern.DOTALL);

    /** A log query or a metric expression, by the query's first character. */
    public static LogQl.Statement parse(String text) {
        checkSize(text);
        return text.strip().charAt(0) == '{' ? parseLog(text) : parseMetric(text);
    }

    /** True when {@code text} is a metric query rather than a log query (which starts with a selector). */
    public static boolean isMetric(String text) {
        return text != null && !text.isBlank() && text.strip().charAt(0) != '{';
    }

    /** A log query: a selector and line filters. */
    public static Query parseLog(String text) {
        checkSize(text);
        return new LogQlParser(new LogQlLexer(text)).logQuery();
    }

    /** A bare stream selector (the {@code match[]} of series). */
    public static List<Matcher> parseSelector(String text) {
        Query query = parseLog(text);
        if (!query.filters().isEmpty()) {
            throw new LogQlException("a series selector takes no line filters");
        }
        return query.matchers();
    }

    /** A metric expression. */
    public static Expr parseMetric(String text) {
        checkSize(text);
        java.util.regex.Matcher recorded = RECORDED.matcher(text.strip());
        if (recorded.matches()) {
            return new LogQl.Recorded(recorded.group(1), recorded.group(2) == null ? List.of()
                    : parseSelector(recorded.group(2)));
        }
        LogQlParser parser = new LogQlParser(new LogQlLexer(text));
        Expr expr = parser.expression();
        parser.lexer.skipSpace();
        if (!parser.lexer.atEnd()) {
            throw new LogQlException("parse error at col " + parser.lexer.col() + ": unexpected "
                    + LogQlLexer.abbreviate(parser.lexer.rest()));
        }
        return expr;
    }

    private static void checkSize(String text) {
        if (text == null || text.isBlank()) {
            throw new LogQlException("query is required: a stream selector such as {service=\"checkout\"}");
        }
        if (text.length() > MAX_LENGTH) {
            throw new LogQlException("query is longer than " + MAX_LENGTH + " characters");
        }
    }

    // ---- log queries

    /** A log query up to the lexer's end. */
    private Query logQuery() {
        if (lexer.rest().isBlank()) {
            throw new LogQlException("query is required: a stream selector such as {service=\"checkout\"}");
        }
        List<Matcher> matchers = selector();
        List<LineFilter> filters = new ArrayList<>();
        List<LogQl.Stage> stages = new ArrayList<>();
        lexer.skipSpace();
        while (!lexer.atEnd()) {
            boolean unwrapped = stages.stream().anyMatch(LogQl.Unwrap.class::isInstance);
            int col = lexer.col();
            LineFilter filter = lineFilter();
            if (filter != null) {
                if (unwrapped) {
                    throw new LogQlException("parse error at col " + col + ": only label filters may follow unwrap");
                }
                boolean rewritten = stages.stream().anyMatch(stage -> stage instanceof LogQl.LineFormat
                        || stage instanceof LogQl.Decolorize
                        || stage instanceof LogQl.Parser parser && parser.format().equals("unpack"));
                if (rewritten) {
                    stages.add(new LogQl.LineStage(filter)); // on the rewritten line, in its place
                } else {
                    filters.add(filter);
                }
            } else if (lexer.consume("|")) {
                stage(stages);
                if (unwrapped && !(stages.get(stages.size() - 1) instanceof LogQl.LabelFilter)) {
                    throw new LogQlException("parse error at col " + col + ": only label filters may follow unwrap");
                }
            } else {
                throw unsupported(lexer.col(), lexer.rest().strip());
            }
            lexer.skipSpace();
        }
        return new Query(List.copyOf(matchers), List.copyOf(filters), List.copyOf(stages));
    }

    private static final Set<String> NOT_YET = Set.of("distinct");

    private static LogQlException unsupported(int col, String what) {
        return new LogQlException("unsupported at col " + col + ": " + LogQlLexer.abbreviate(what) + "; a log query's "
                + "pipeline takes line filters |=, !=, |~ and !~, | json, | logfmt, | regexp, | pattern, | unpack, "
                + "| line_format, | label_format, | decolorize, label filters, | drop and | keep (docs/loki.md)");
    }

    /** One stage after its {@code |}. */
    private void stage(List<LogQl.Stage> stages) {
        lexer.skipSpace();
        int start = lexer.pos();
        String word = lexer.name();
        if (word.equals("json") || word.equals("logfmt")) {
            stages.add(parserStage(word));
            return;
        }
        if (word.equals("unpack") || word.equals("decolorize")) {
            if (!atStageEnd()) {
                throw new LogQlException("unsupported at col " + lexer.col() + ": | " + word + " with "
                        + LogQlLexer.abbreviate(lexer.rest().strip()) + "; | " + word + " takes no parameters");
            }
            stages.add(word.equals("unpack") ? new LogQl.Parser("unpack") : new LogQl.Decolorize());
            return;
        }
        if (word.equals("regexp") || word.equals("pattern") || word.equals("line_format")) {
            lexer.skipSpace();
            if (lexer.peek() != '"' && lexer.peek() != '`') {
                throw new LogQlException("parse error at col " + lexer.col() + ": | " + word + " takes a quoted "
                        + (word.equals("line_format") ? "template" : word));
            }
            String text = lexer.string();
            stages.add(switch (word) {
                case "regexp" -> new LogQl.RegexpParser(namedRegex(text));
                case "pattern" -> new LogQl.PatternParser(LinePattern.parse(text));
                default -> new LogQl.LineFormat(LineTemplate.parse(text));
            });
            if (!atStageEnd()) {
                throw new LogQlException("parse error at col " + lexer.col() + ": unexpected "
                        + LogQlLexer.abbreviate(lexer.rest().strip()) + " after | " + word);
            }
            return;
        }
        if (word.equals("label_format") && lexer.atSpace()) {
            stages.add(labelFormat());
            return;
        }
        if ((word.equals("drop") || word.equals("keep")) && lexer.atSpace()) {
            List<String> names = new ArrayList<>();
            do {
                lexer.skipSpace();
                int from = lexer.col();
                String name = lexer.name();
                lexer.skipSpace();
                if (name.isEmpty() || lexer.peek() == '=' || lexer.peek() == '!') {
                    throw new LogQlException("unsupported at col " + from + ": " + word + " "
                            + LogQlLexer.abbreviate(name + lexer.rest()) + "; | " + word + " takes label names");
                }
                names.add(name);
            } while (lexer.consume(","));
            boolean errorLabelsOnly = names.stream().allMatch(n -> n.equals(Pipeline.ERROR)
                    || n.equals(Pipeline.ERROR_DETAILS));
            if (word.equals("drop") && errorLabelsOnly && stages.isEmpty()) {
                return; // Grafana adds it; with no stage before it no entry has those labels, so it changes nothing
            }
            stages.add(word.equals("drop") ? new LogQl.Drop(List.copyOf(names)) : new LogQl.Keep(List.copyOf(names)));
            return;
        }
        if (word.equals("unwrap") && lexer.atSpace()) {
            stages.add(unwrap(start));
            return;
        }
        if (NOT_YET.contains(word)) {
            throw unsupported(start + 1, "| " + word);
        }
        lexer.reset(start);
        if (word.isEmpty() && lexer.peek() != '(') {
            throw unsupported(start + 1, "| " + lexer.rest().strip());
        }
        stages.add(new LogQl.LabelFilter(labelOr()));
        if (!atStageEnd()) {
            throw new LogQlException("parse error at col " + lexer.col() + ": unexpected "
                    + LogQlLexer.abbreviate(lexer.rest().strip()) + " in a label filter (join filters with and, or "
                    + "or a comma)");
        }
    }

    /** {@code | json} or {@code | logfmt}, with logfmt's flags and an extraction list. */
    private LogQl.Parser parserStage(String format) {
        boolean strict = false;
        boolean keepEmpty = false;
        List<LogQl.Extraction> extractions = new ArrayList<>();
        lexer.skipSpace();
        while (format.equals("logfmt") && lexer.rest().startsWith("--")) {
            int from = lexer.col();
            lexer.consume("--");
            String flag = lexer.text().substring(lexer.pos()).split("[^a-z-]", 2)[0];
            lexer.reset(lexer.pos() + flag.length());
            switch (flag) {
                case "strict" -> strict = true;
                case "keep-empty" -> keepEmpty = true;
                default -> throw new LogQlException("unsupported at col " + from + ": logfmt flag --"
                        + LogQlLexer.abbreviate(flag) + "; the flags are --strict and --keep-empty");
            }
            lexer.skipSpace();
        }
        if (!atStageEnd()) {
            java.util.Set<String> names = new java.util.HashSet<>();
            do {
                lexer.skipSpace();
                int from = lexer.col();
                String label = lexer.name();
                if (label.isEmpty() || Character.isDigit(label.charAt(0))) {
                    throw new LogQlException("parse error at col " + from + ": | " + format + " takes label names "
                            + "or label=\"path\" extractions");
                }
                lexer.skipSpace();
                String path = label;
                if (lexer.consume("=")) {
                    lexer.skipSpace();
                    path = lexer.string();
                    if (format.equals("json")) {
                        LineParsers.path(path); // refused now if it is not a path
                    }
                }
                if (!names.add(label)) {
                    throw new LogQlException("label " + label + " is extracted twice in one | " + format);
                }
                extractions.add(new LogQl.Extraction(label, path));
                lexer.skipSpace();
            } while (lexer.consume(","));
            if (!atStageEnd()) {
                throw new LogQlException("parse error at col " + lexer.col() + ": unexpected "
                        + LogQlLexer.abbreviate(lexer.rest().strip()) + " in | " + format);
            }
        }
        return new LogQl.Parser(format, List.copyOf(extractions), strict, keepEmpty);
    }

    /** {@code label_format a=b, c="template"}. */
    private LogQl.LabelFormat labelFormat() {
        List<LogQl.LabelAssignment> assignments = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        do {
            lexer.skipSpace();
            int from = lexer.col();
            String label = lexer.name();
            lexer.skipSpace();
            if (label.isEmpty() || Character.isDigit(label.charAt(0)) || !lexer.consume("=")) {
                throw new LogQlException("parse error at col " + from + ": label_format takes label=source or "
                        + "label=\"template\"");
            }
            if (!names.add(label)) {
                throw new LogQlException("label " + label + " is formatted twice in one | label_format");
            }
            lexer.skipSpace();
            if (lexer.peek() == '"' || lexer.peek() == '`') {
                assignments.add(new LogQl.LabelAssignment(label, null, LineTemplate.parse(lexer.string())));
            } else {
                String source = lexer.name();
                if (source.isEmpty()) {
                    throw new LogQlException("parse error at col " + lexer.col() + ": label_format " + label
                            + "= takes a label name or a quoted template");
                }
                assignments.add(new LogQl.LabelAssignment(label, source, null));
            }
            lexer.skipSpace();
        } while (lexer.consume(","));
        if (!atStageEnd()) {
            throw new LogQlException("parse error at col " + lexer.col() + ": unexpected "
                    + LogQlLexer.abbreviate(lexer.rest().strip()) + " in | label_format");
        }
        return new LogQl.LabelFormat(List.copyOf(assignments));
    }

    /** A regexp parser's expression: RE2, with at least one named group, each a valid label name. */
    private static Pattern namedRegex(String value) {
        Pattern pattern = regex(value);
        if (pattern.namedGroups().isEmpty()) {
            throw new LogQlException("regexp " + LogQlLexer.abbreviate(value) + " has no named group such as "
                    + "(?P<route>/[a-z]+)");
        }
        return pattern;
    }

    /** {@code unwrap label}, {@code unwrap duration(label)} ({@code duration_seconds}) or {@code unwrap bytes(label)}. */
    private LogQl.Unwrap unwrap(int start) {
        if (!inRange) {
            throw new LogQlException("unwrap at col " + (start + 1) + " takes a range aggregation, as in "
                    + "sum_over_time({service=\"checkout\"} | unwrap latencyMs [5m])");
        }
        lexer.skipSpace();
        int from = lexer.col();
        String name = lexer.name();
        LogQl.Unit conversion = LogQl.Unit.NUMBER;
        lexer.skipSpace();
        if (lexer.peek() == '(') {
            conversion = switch (name) {
                case "duration", "duration_seconds" -> LogQl.Unit.DURATION;
                case "bytes" -> LogQl.Unit.BYTES;
                default -> throw new LogQlException("unsupported at col " + from + ": unwrap " + name + "(...); the "
                        + "conversions are duration(label), duration_seconds(label) and bytes(label)");
            };
            lexer.expect("(");
            lexer.skipSpace();
            name = lexer.name();
            lexer.expect(")");
        }
        if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
            throw new LogQlException("parse error at col " + from + ": unwrap takes a label name");
        }
        if (!atStageEnd()) {
            throw new LogQlException("parse error at col " + lexer.col() + ": unexpected "
                    + LogQlLexer.abbreviate(lexer.rest().strip()) + " after unwrap " + name);
        }
        return new LogQl.Unwrap(name, conversion);
    }

    /** After space, whether the stage ends here: at the query's end or where the next stage or line filter starts. */
    private boolean atStageEnd() {
        lexer.skipSpace();
        return lexer.atEnd() || lexer.peek() == '|' || lexer.rest().startsWith("!=") || lexer.rest().startsWith("!~");
    }

    /** One level deeper into the query; refused past {@link #MAX_DEPTH}. Pair with {@code depth--} in a finally. */
    private void deeper() {
        if (++depth > MAX_DEPTH) {
            throw new LogQlException("the query nests deeper than " + MAX_DEPTH + " levels");
        }
    }

    private LogQl.LabelPredicate labelOr() {
        LogQl.LabelPredicate left = labelAnd();
        while (keyword("or")) {
            left = new LogQl.Or(left, labelAnd());
        }
        return left;
    }

    private LogQl.LabelPredicate labelAnd() {
        LogQl.LabelPredicate left = labelPrimary();
        while (true) {
            lexer.skipSpace();
            if (lexer.consume(",") || keyword("and")) {
                left = new LogQl.And(left, labelPrimary());
            } else {
                return left;
            }
        }
    }

    /** The keyword {@code word} as a whole word, consumed; false (and nothing consumed) otherwise. */
    private boolean keyword(String word) {
        lexer.skipSpace();
        int start = lexer.pos();
        if (lexer.name().equals(word) && (lexer.atSpace() || lexer.peek() == '(')) {
            return true;
        }
        lexer.reset(start);
        return false;
    }

    private LogQl.LabelPredicate labelPrimary() {
        deeper();
        try {
            lexer.skipSpace();
            if (lexer.consume("(")) {
                LogQl.LabelPredicate inner = labelOr();
                lexer.expect(")");
                return inner;
            }
            String label = lexer.name();
            if (label.isEmpty() || Character.isDigit(label.charAt(0))) {
                throw new LogQlException("parse error at col " + lexer.col() + ": expected a label name in a label "
                        + "filter");
            }
            lexer.skipSpace();
            String op = null;
            for (String candidate : List.of("=~", "!~", "!=", "==", ">=", "<=", ">", "<", "=")) {
                if (lexer.consume(candidate)) {
                    op = candidate;
                    break;
                }
            }
            if (op == null) {
                throw new LogQlException("parse error at col " + lexer.col() + ": expected =, !=, =~, !~, ==, >, >=, "
                        + "< or <= after " + label);
            }
            lexer.skipSpace();
            if (lexer.peek() == '"' || lexer.peek() == '`') {
                String value = lexer.string();
                Op matchOp = switch (op) {
                    case "=", "==" -> Op.EQ;
                    case "!=" -> Op.NEQ;
                    case "=~" -> Op.RE;
                    case "!~" -> Op.NRE;
                    default -> throw new LogQlException("invalid label filter " + label + " " + op + " \""
                            + LogQlLexer.abbreviate(value) + "\": " + op + " compares numbers, durations or sizes");
                };
                return new LogQl.LabelMatch(new Matcher(label, matchOp, value,
                        matchOp == Op.RE || matchOp == Op.NRE ? regex(value) : null));
            }
            if (op.equals("=~") || op.equals("!~")) {
                throw new LogQlException("parse error at col " + lexer.col() + ": " + op + " takes a quoted regex");
            }
            int from = lexer.pos();
            lexer.consume("-");
            while (lexer.atDigit() || Character.isLetter(lexer.peek()) || lexer.peek() == 'µ' || lexer.peek() == 'μ') {
                lexer.reset(lexer.pos() + 1);
            }
            String literal = lexer.text().substring(from, lexer.pos());
            LogQl.Unit unit;
            Double value = LabelNumbers.number(literal);
            if (value != null) {
                unit = LogQl.Unit.NUMBER;
            } else if ((value = LabelNumbers.seconds(literal)) != null) {
                unit = LogQl.Unit.DURATION;
            } else if ((value = LabelNumbers.bytes(literal)) != null) {
                unit = LogQl.Unit.BYTES;
            } else {
                throw new LogQlException("parse error at col " + (from + 1) + ": expected a quoted string, a number, a "
                        + "duration (250ms) or a size (20MB) after " + label + " " + op);
            }
            return new LogQl.LabelCompare(label, op.equals("=") ? "==" : op, value, unit);
        } finally {
            depth--;
        }
    }

    private List<Matcher> selector() {
        lexer.skipSpace();
        if (!lexer.consume("{")) {
            String word = lexer.rest().split("[^A-Za-z_]", 2)[0];
            throw new LogQlException(word.isEmpty()
                    ? "parse error at col " + lexer.col() + ": a log query starts with a stream selector {...}"
                    : "function " + word + "(...) is not supported here; a log query is a stream selector and line "
                    + "filters, a metric query one of the forms in docs/loki.md");
        }
        List<Matcher> matchers = new ArrayList<>();
        lexer.skipSpace();
        if (lexer.consume("}")) {
            return matchers;
        }
        while (true) {
            lexer.skipSpace();
            matchers.add(matcher());
            lexer.skipSpace();
            if (lexer.consume("}")) {
                return matchers;
            }
            if (!lexer.consume(",")) {
                throw new LogQlException("parse error at col " + lexer.col() + ": expected , or } in the stream selector");
            }
        }
    }

    private Matcher matcher() {
        String label = lexer.name();
        if (label.isEmpty()) {
            throw new LogQlException("parse error at col " + lexer.col() + ": expected a label name");
        }
        if (!LogQl.LABELS.contains(label)) {
            throw new LogQlException("label " + label + " is not supported; the labels are host, level and service");
        }
        lexer.skipSpace();
        Op op;
        if (lexer.consume("=~")) {
            op = Op.RE;
        } else if (lexer.consume("!~")) {
            op = Op.NRE;
        } else if (lexer.consume("!=")) {
            op = Op.NEQ;
        } else if (lexer.consume("=")) {
            op = Op.EQ;
        } else {
            throw new LogQlException("parse error at col " + lexer.col() + ": expected =, !=, =~ or !~ after " + label);
        }
        lexer.skipSpace();
        String value = lexer.string();
        return new Matcher(label, op, value, op == Op.RE || op == Op.NRE ? regex(value) : null);
    }

    private LineFilter lineFilter() {
        Op op;
        if (lexer.consume("|=")) {
            op = Op.EQ;
        } else if (lexer.consume("!=")) {
            op = Op.NEQ;
        } else if (lexer.consume("|~")) {
            op = Op.RE;
        } else if (lexer.consume("!~")) {
            op = Op.NRE;
        } else {
            return null;
        }
        lexer.skipSpace();
        String value = lexer.string();
        return new LineFilter(op, value, op == Op.RE || op == Op.NRE ? regex(value) : null);
    }

    private static Pattern regex(String value) {
        if (RegexSize.of(value, LogQl.MAX_REGEX_SIZE) > LogQl.MAX_REGEX_SIZE) {
            throw new LogQlException("regular expression " + LogQlLexer.abbreviate(value) + " is too large once its "
                    + "repetitions are expanded (more than " + LogQl.MAX_REGEX_SIZE + " elements); use fewer or "
                    + "smaller {n,m} counts");
        }
        try {
            return Pattern.compile(value);
        } catch (PatternSyntaxException e) {
            throw new LogQlException("invalid regular expression " + LogQlLexer.abbreviate(value) + ": "
                    + e.getDescription());
        }
    }

    // ---- metric queries

    private static final List<String> COMPARISONS = List.of("==", "!=", ">=", "<=", ">", "<");

    /** The lowest precedence: {@code or}, then {@code and} and {@code unless}, as in PromQL. */
    private Expr expression() {
        Expr left = conjunction();
        while (keyword("or")) {
            Matching matching = matching();
            left = setOperation("or", left, conjunction(), matching);
        }
        return left;
    }

    private Expr conjunction() {
        Expr left = comparison();
        while (true) {
            String op = keyword("and") ? "and" : keyword("unless") ? "unless" : null;
            if (op == null) {
                return left;
            }
            Matching matching = matching();
            left = setOperation(op, left, comparison(), matching);
        }
    }

    private static Expr setOperation(String op, Expr left, Expr right, Matching matching) {
        if (left instanceof Scalar || right instanceof Scalar) {
            throw new LogQlException(op + " is defined between two vectors, not with a number");
        }
        if (matching != null && matching.group() != null) {
            throw new LogQlException(op + " takes no group_left or group_right: it is many-to-many");
        }
        return new LogQl.SetOperation(op, left, right, matching);
    }

    /** {@code on (...)} or {@code ignoring (...)}, then {@code group_left (...)} or {@code group_right (...)}; or null. */
    private Matching matching() {
        lexer.skipSpace();
        int start = lexer.pos();
        String word = lexer.word().toLowerCase(Locale.ROOT);
        if (!word.equals("on") && !word.equals("ignoring")) {
            lexer.reset(start);
            return null;
        }
        List<String> labels = labelList();
        lexer.skipSpace();
        int groupStart = lexer.pos();
        String group = lexer.word().toLowerCase(Locale.ROOT);
        List<String> include = List.of();
        if (group.equals("group_left") || group.equals("group_right")) {
            lexer.skipSpace();
            if (lexer.peek() == '(') {
                include = labelList();
            }
            group = group.substring("group_".length());
        } else {
            lexer.reset(groupStart);
            group = null;
        }
        if (word.equals("on") && group != null && include.stream().anyMatch(labels::contains)) {
            throw new LogQlException("a label in group_" + group + " (...) cannot also be in on (...)");
        }
        return new Matching(word.equals("on"), labels, group, include);
    }

    /** {@code (a, b)}. */
    private List<String> labelList() {
        lexer.expect("(");
        List<String> labels = new ArrayList<>();
        lexer.skipSpace();
        if (!lexer.consume(")")) {
            do {
                lexer.skipSpace();
                String label = lexer.word();
                if (label.isEmpty()) {
                    throw new LogQlException("parse error at col " + lexer.col() + ": expected a label name");
                }
                labels.add(label);
                lexer.skipSpace();
            } while (lexer.consume(","));
            lexer.expect(")");
        }
        return List.copyOf(labels);
    }

    /** Comparisons, left to right, looser than arithmetic, as in PromQL. */
    private Expr comparison() {
        Expr left = sum();
        while (true) {
            lexer.skipSpace();
            String op = null;
            for (String candidate : COMPARISONS) {
                if (lexer.consume(candidate)) {
                    op = candidate;
                    break;
                }
            }
            if (op == null) {
                return left;
            }
            boolean bool = keyword("bool");
            Matching matching = matching();
            Expr right = sum();
            if (left instanceof Scalar && right instanceof Scalar && !bool) {
                throw new LogQlException("comparisons between numbers need bool, as in 1 > bool 0");
            }
            left = new LogQl.Comparison(op, bool, left, right, matching);
        }
    }

    private Expr sum() {
        Expr left = product();
        while (true) {
            lexer.skipSpace();
            if (lexer.consume("+")) {
                left = binary('+', left);
            } else if (lexer.consume("-")) {
                left = binary('-', left);
            } else {
                return left;
            }
        }
    }

    private Expr product() {
        Expr left = power();
        while (true) {
            lexer.skipSpace();
            if (lexer.consume("*")) {
                left = binary('*', left);
            } else if (lexer.consume("/")) {
                left = binary('/', left);
            } else if (lexer.consume("%")) {
                left = binary('%', left);
            } else {
                return left;
            }
        }
    }

    /** {@code left op [on|ignoring (...)] [group_left|group_right (...)] right}, the right side at its precedence. */
    private Expr binary(char op, Expr left) {
        Matching matching = matching();
        Expr right = op == '+' || op == '-' ? product() : power();
        return new Binary(op, left, right, matching);
    }

    /** {@code ^}, binding tighter than {@code * / %} and to the right, as in PromQL. */
    private Expr power() {
        Expr base = operand();
        lexer.skipSpace();
        if (lexer.consume("^")) {
            deeper();
            try {
                Matching matching = matching();
                return new Binary('^', base, power(), matching);
            } finally {
                depth--;
            }
        }
        return base;
    }

    private Expr operand() {
        deeper();
        try {
            return nestedOperand();
        } finally {
            depth--;
        }
    }

    private Expr nestedOperand() {
        lexer.skipSpace();
        if (lexer.consume("(")) {
            Expr inner = expression();
            lexer.expect(")");
            return inner;
        }
        if (lexer.atDigit()) {
            return new Scalar(lexer.number());
        }
        if (lexer.peek() == '{') {
            throw new LogQlException("parse error at col " + lexer.col() + ": a log query cannot be combined with "
                    + "operators; wrap it in a range aggregation such as count_over_time({...}[5m])");
        }
        String word = lexer.word();
        if (word.isEmpty()) {
            throw new LogQlException("parse error at col " + lexer.col() + ": expected a number, vector(n) or a function");
        }
        String name = word.toLowerCase(Locale.ROOT);
        if (name.equals("vector")) {
            lexer.expect("(");
            lexer.skipSpace();
            double value = lexer.number();
            lexer.expect(")");
            return new ConstantVector(value);
        }
        if (LOG_RANGE_FUNCTIONS.contains(name) || UNWRAP_FUNCTIONS.contains(name) || name.equals("rate")) {
            return rangeAggregation(name);
        }
        if (AGGREGATIONS.contains(name)) {
            return aggregation(name);
        }
        if (name.equals("topk") || name.equals("bottomk") || name.equals("approx_topk")) {
            return topK(name);
        }
        if (name.equals("scalar")) {
            lexer.expect("(");
            return new LogQl.ScalarOf(vectorArgument(name));
        }
        if (name.equals("label_replace")) {
            return labelReplace();
        }
        if (name.equals("sort") || name.equals("sort_desc")) {
            lexer.expect("(");
            return new LogQl.Sort(name.equals("sort_desc"), vectorArgument(name));
        }
        throw new LogQlException("function " + word + " is not supported; the metric functions are "
                + "count_over_time, rate, bytes_over_time, bytes_rate, absent_over_time, the unwrapped "
                + String.join(", ", new java.util.TreeSet<>(UNWRAP_FUNCTIONS)) + ", sum, count, min, max, avg, topk, "
                + "bottomk, approx_topk, sort, sort_desc, label_replace, scalar and vector");
    }

    /** {@code label_replace(v, "dst", "replacement", "src", "regex")}; the regex matches the whole value. */
    private Expr labelReplace() {
        lexer.expect("(");
        Expr inner = expression();
        if (inner instanceof Scalar) {
            throw new LogQlException("label_replace takes a vector, not a number");
        }
        String[] args = new String[4];
        for (int i = 0; i < 4; i++) {
            lexer.expect(",");
            lexer.skipSpace();
            args[i] = lexer.string();
        }
        lexer.expect(")");
        lexer.skipSpace();
        if (!args[0].matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
            throw new LogQlException("label_replace: invalid destination label " + LogQlLexer.abbreviate(args[0]));
        }
        return new LogQl.LabelReplace(inner, args[0], args[1], args[2], regex("^(?:" + args[3] + ")$"));
    }

    /** {@code topk(k, v)}, {@code bottomk(k, v)}, with {@code by}/{@code without} before or after. */
    private Expr topK(String function) {
        lexer.skipSpace();
        Grouping grouping = grouping();
        lexer.expect("(");
        lexer.skipSpace();
        if (!lexer.atDigit()) {
            throw new LogQlException("parse error at col " + lexer.col() + ": " + function + " takes a count first, "
                    + "as in " + function + "(5, ...)");
        }
        double k = lexer.number();
        if (k != Math.rint(k) || k < 1 || k > 10_000) {
            throw new LogQlException(function + "'s count must be a whole number from 1 to 10000");
        }
        lexer.expect(",");
        Expr inner = vectorArgument(function);
        grouping = grouping == null ? grouping() : grouping;
        return new LogQl.TopK(!function.equals("bottomk"), (int) k, grouping == null ? List.of() : grouping.labels(),
                grouping != null && grouping.without(), inner);
    }

    private Expr rangeAggregation(String function) {
        lexer.expect("(");
        Double parameter = null;
        if (function.equals("quantile_over_time")) {
            lexer.skipSpace();
            if (!lexer.atDigit()) {
                throw new LogQlException("parse error at col " + lexer.col() + ": quantile_over_time takes the "
                        + "quantile first, as in quantile_over_time(0.99, ...)");
            }
            parameter = lexer.number();
            lexer.expect(",");
        }
        int bracket = lexer.indexOutsideStrings('[');
        if (bracket < 0) {
            throw new LogQlException("parse error: a range aggregation needs a range such as [5m] after its log query");
        }
        Query query = new LogQlParser(new LogQlLexer(lexer.text(), lexer.pos(), bracket), true).logQuery();
        boolean unwrapped = query.pipeline().stream().anyMatch(LogQl.Unwrap.class::isInstance);
        if (UNWRAP_FUNCTIONS.contains(function) && !unwrapped) {
            throw new LogQlException(function + " takes an unwrapped label, as in " + function + "("
                    + (parameter == null ? "" : "0.99, ") + "{service=\"checkout\"} | unwrap latencyMs [5m])");
        }
        if (LOG_RANGE_FUNCTIONS.contains(function) && unwrapped && !function.equals("absent_over_time")) {
            throw new LogQlException(function + " counts entries and takes no unwrap; use sum_over_time or another "
                    + "unwrapped range aggregation");
        }
        lexer.reset(bracket + 1);
        int close = lexer.indexOutsideStrings(']');
        if (close < 0) {
            throw new LogQlException("parse error: unterminated range [...]");
        }
        String range = lexer.text().substring(bracket + 1, close).trim();
        lexer.reset(close + 1);
        long nanos;
        try {
            nanos = PromDuration.nanos(range);
        } catch (IllegalArgumentException e) {
            throw new LogQlException("invalid range [" + LogQlLexer.abbreviate(range) + "]: " + e.getMessage());
        } catch (ArithmeticException e) {
            throw new LogQlException("invalid range [" + LogQlLexer.abbreviate(range) + "]: out of range");
        }
        if (nanos <= 0) {
            throw new LogQlException("invalid range [" + range + "]: must be positive");
        }
        long offset = 0;
        if (keyword("offset")) {
            lexer.skipSpace();
            int from = lexer.pos();
            while (!lexer.atEnd() && (Character.isLetterOrDigit(lexer.peek()) || lexer.peek() == '.')) {
                lexer.reset(lexer.pos() + 1);
            }
            String text = lexer.text().substring(from, lexer.pos());
            try {
                offset = PromDuration.nanos(text);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new LogQlException("invalid offset " + LogQlLexer.abbreviate(text) + ": a duration such as 1h");
            }
            if (offset <= 0 || offset > MAX_OFFSET) {
                throw new LogQlException("invalid offset " + LogQlLexer.abbreviate(text) + ": must be positive and "
                        + "at most 10 years");
            }
        }
        lexer.skipSpace();
        if (!lexer.consume(")")) {
            throw new LogQlException("parse error at col " + lexer.col() + ": expected ) after the range");
        }
        lexer.skipSpace();
        Grouping grouping = grouping();
        if (grouping != null && !GROUPED_RANGE_FUNCTIONS.contains(function)) {
            throw new LogQlException("grouping is not allowed for " + function + ", as in Loki; group it with an "
                    + "aggregation such as sum by (...) (" + function + "(...))");
        }
        if (grouping != null && !unwrapped) {
            throw new LogQlException(function + " with by or without takes an unwrapped label");
        }
        return new RangeAggregation(function, query, nanos, offset, parameter,
                grouping);
    }

    private Expr aggregation(String function) {
        lexer.skipSpace();
        Grouping grouping = grouping();
        lexer.expect("(");
        Expr inner = vectorArgument(function);
        grouping = grouping == null ? grouping() : grouping;
        return grouping == null ? new Aggregation(function, List.of(), false, inner)
                : new Aggregation(function, grouping.labels(), grouping.without(), inner);
    }

    /** An aggregation's last argument, up to and past its {@code )}: a vector, never a number. */
    private Expr vectorArgument(String function) {
        Expr inner = expression();
        lexer.expect(")");
        lexer.skipSpace();
        if (inner instanceof Scalar) {
            throw new LogQlException(function + " takes a vector, not a number");
        }
        return inner;
    }

    private Grouping grouping() {
        int start = lexer.pos();
        String word = lexer.word().toLowerCase(Locale.ROOT);
        if (!word.equals("by") && !word.equals("without")) {
            lexer.reset(start);
            return null;
        }
        return new Grouping(labelList(), word.equals("without"));
    }
}
