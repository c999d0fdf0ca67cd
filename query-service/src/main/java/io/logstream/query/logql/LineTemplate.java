package io.logstream.query.logql;

import com.google.re2j.Pattern;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * The Go text/template subset that {@code | line_format} and {@code | label_format} take, as Loki's docs describe it:
 * <ul>
 *   <li>text and actions {@code {{ ... }}}, with {@code {{-} and {@code -}}} trimming the space beside them;</li>
 *   <li>field access {@code .label} (a label, a parsed field or structured metadata; a missing one is {@code ""}),
 *   {@code __line__} and {@code __timestamp__}, string and number literals, parentheses;</li>
 *   <li>pipelines {@code .a | lower} (the value goes last) and calls {@code replace "a" "b" .c};</li>
 *   <li>{@code if}/{@code else if}/{@code else}/{@code end};</li>
 *   <li>the functions in {@link #FUNCTIONS}, with Loki's (sprig's) argument order.</li>
 * </ul>
 * A template is parsed once, when the query is; it is refused (400) if it is longer than {@link #MAX_SIZE} or names
 * anything else. Executing it on one entry takes at most {@link #MAX_STEPS} steps and writes at most
 * {@link #MAX_OUTPUT} characters: past either it is an error ({@code __error__=TemplateFormatErr}), never a stall.
 */
public final class LineTemplate {
    public static final int MAX_SIZE = 2048;
    public static final int MAX_STEPS = 2_000;
    public static final int MAX_OUTPUT = 64 * 1024;
    public static final Set<String> FUNCTIONS = Set.of("ToLower", "ToUpper", "lower", "upper", "title", "Title",
            "trim", "trimSpace", "TrimSpace", "trimPrefix", "TrimPrefix", "trimSuffix", "TrimSuffix", "replace",
            "Replace", "substr", "default", "contains", "hasPrefix", "hasSuffix", "eq", "ne", "lt", "le", "gt", "ge",
            "and", "or", "not", "len", "printf", "regexReplaceAll", "regexReplaceAllLiteral", "repeat", "int",
            "float64", "add", "sub", "mul", "div", "mod", "unixEpoch", "unixEpochMillis", "abbrev", "quote");
    private static final DateTimeFormatter GO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC);

    private final String source;
    private final List<Node> nodes;

    private LineTemplate(String source, List<Node> nodes) {
        this.source = source;
        this.nodes = nodes;
    }

    /** Thrown while executing, for {@code __error_details__}. */
    public static final class TemplateError extends RuntimeException {
        TemplateError(String message) {
            super(message, null, false, false);
        }
    }

    /** What a template reads: an entry's labels (with its metadata), its line and its time. */
    public record Data(Function<String, String> labels, String line, long timeMillis) {
    }

    @Override
    public String toString() {
        return source;
    }

    // ---- the syntax tree

    private sealed interface Node permits Text, Action, If {
    }

    private record Text(String text) implements Node {
    }

    private record Action(Pipe pipe) implements Node {
    }

    private record If(Pipe condition, List<Node> then, List<Node> otherwise) implements Node {
    }

    private record Pipe(List<Command> commands) {
    }

    /** A command: a function and its arguments, or one operand (then {@code function} is null). */
    private record Command(String function, List<Operand> args) {
    }

    private sealed interface Operand permits Field, Literal, Special, Nested {
    }

    private record Field(String name) implements Operand {
    }

    private record Literal(Object value) implements Operand {
    }

    private record Special(String name) implements Operand {
    }

    private record Nested(Pipe pipe) implements Operand {
    }

    // ---- parsing

    public static LineTemplate parse(String source) {
        if (source.length() > MAX_SIZE) {
            throw new LogQlException("template is longer than " + MAX_SIZE + " characters");
        }
        Parser parser = new Parser(source);
        List<Node> nodes = parser.nodes(false);
        if (parser.pending != null) {
            throw new LogQlException("template: unexpected {{" + parser.pending + "}}");
        }
        return new LineTemplate(source, List.copyOf(nodes));
    }

    private static final class Parser {
        private final String s;
        private int i;
        private boolean trimNext;
        /** The block keyword ({@code else}, {@code else if ...}, {@code end}) that ended the last {@link #nodes}. */
        private String pending;
        private Pipe pendingPipe;
        private int depth;

        Parser(String s) {
            this.s = s;
        }

        List<Node> nodes(boolean inBlock) {
            if (++depth > 16) {
                throw new LogQlException("template nests deeper than 16 blocks");
            }
            List<Node> out = new ArrayList<>();
            while (i < s.length()) {
                int open = s.indexOf("{{", i);
                String text = s.substring(i, open < 0 ? s.length() : open);
                if (trimNext) {
                    text = text.stripLeading();
                    trimNext = false;
                }
                if (open >= 0 && open + 2 < s.length() && s.charAt(open + 2) == '-') {
                    text = text.stripTrailing();
                }
                if (!text.isEmpty()) {
                    out.add(new Text(text));
                }
                if (open < 0) {
                    i = s.length();
                    break;
                }
                int close = closing(open + 2);
                boolean trimLeft = s.charAt(open + 2) == '-';
                String body = s.substring(open + (trimLeft ? 3 : 2), close).strip();
                trimNext = close > 0 && s.charAt(close - 1) == '-' && close - 1 > open + 2;
                if (trimNext && body.endsWith("-")) {
                    body = body.substring(0, body.length() - 1).strip();
                }
                i = close + 2;
                String keyword = body.split("\\s+", 2)[0];
                switch (keyword) {
                    case "if" -> out.add(ifNode(pipe(body.substring(2))));
                    case "else", "end" -> {
                        if (!inBlock) {
                            throw new LogQlException("template: {{" + keyword + "}} without {{if}}");
                        }
                        pending = body;
                        depth--;
                        return out;
                    }
                    case "range", "with", "define", "template", "block" -> throw new LogQlException("template: {{"
                            + keyword + "}} is not supported; the actions are fields, functions and if/else/end");
                    default -> out.add(new Action(pipe(body)));
                }
            }
            if (inBlock) {
                throw new LogQlException("template: {{if}} without {{end}}");
            }
            depth--;
            return out;
        }

        private If ifNode(Pipe condition) {
            List<Node> then = nodes(true);
            String end = pending;
            pending = null;
            if (end.equals("end")) {
                return new If(condition, List.copyOf(then), List.of());
            }
            String rest = end.substring(4).strip();
            if (rest.startsWith("if ")) { // else if: an if in the else branch that shares the end
                return new If(condition, List.copyOf(then), List.of(ifNode(pipe(rest.substring(3)))));
            }
            if (!rest.isEmpty()) {
                throw new LogQlException("template: unexpected {{" + end + "}}");
            }
            List<Node> otherwise = nodes(true);
            if (!"end".equals(pending)) {
                throw new LogQlException("template: {{else}} without {{end}}");
            }
            pending = null;
            return new If(condition, List.copyOf(then), List.copyOf(otherwise));
        }

        private int closing(int from) {
            boolean quoted = false;
            char quote = 0;
            for (int j = from; j < s.length() - 1; j++) {
                char c = s.charAt(j);
                if (quoted) {
                    if (c == '\\' && quote == '"') {
                        j++;
                    } else if (c == quote) {
                        quoted = false;
                    }
                } else if (c == '"' || c == '`') {
                    quoted = true;
                    quote = c;
                } else if (c == '}' && s.charAt(j + 1) == '}') {
                    return j;
                }
            }
            throw new LogQlException("template: unclosed action {{");
        }

        private Pipe pipe(String text) {
            if (text.isBlank()) {
                throw new LogQlException("template: empty action");
            }
            return new ActionParser(text).pipe(0);
        }
    }

    /** One action's pipeline: commands separated by {@code |}, operands separated by space. */
    private static final class ActionParser {
        private final String s;
        private int i;

        ActionParser(String s) {
            this.s = s;
        }

        Pipe pipe(int depth) {
            if (depth > 16) {
                throw new LogQlException("template: parentheses nest deeper than 16");
            }
            List<Command> commands = new ArrayList<>();
            while (true) {
                commands.add(command(depth));
                skip();
                if (i < s.length() && s.charAt(i) == '|') {
                    i++;
                    continue;
                }
                if (i < s.length() && s.charAt(i) == ')' && depth > 0) {
                    return new Pipe(List.copyOf(commands));
                }
                if (i < s.length()) {
                    throw new LogQlException("template: unexpected " + LogQlLexer.abbreviate(s.substring(i)));
                }
                return new Pipe(List.copyOf(commands));
            }
        }

        private Command command(int depth) {
            skip();
            List<Operand> args = new ArrayList<>();
            String function = null;
            int start = i;
            String word = identifier();
            if (!word.isEmpty() && !word.startsWith("__")) {
                if (!FUNCTIONS.contains(word)) {
                    throw new LogQlException("template: function " + LogQlLexer.abbreviate(word) + " is not supported;"
                            + " the functions are " + String.join(", ", new java.util.TreeSet<>(FUNCTIONS)));
                }
                function = word;
            } else {
                i = start;
            }
            while (true) {
                skip();
                if (i >= s.length() || s.charAt(i) == '|' || s.charAt(i) == ')') {
                    break;
                }
                args.add(operand(depth));
            }
            if (function == null && args.size() != 1) {
                throw new LogQlException("template: expected one value or a function, at "
                        + LogQlLexer.abbreviate(s.substring(start)));
            }
            return new Command(function, List.copyOf(args));
        }

        private Operand operand(int depth) {
            char c = s.charAt(i);
            if (c == '.') {
                i++;
                String name = identifier();
                if (name.isEmpty()) {
                    throw new LogQlException("template: . must name a label, as in .status");
                }
                return new Field(name);
            }
            if (c == '"' || c == '`') {
                return new Literal(string());
            }
            if (c == '(') {
                i++;
                Pipe inner = pipe(depth + 1);
                if (i >= s.length() || s.charAt(i) != ')') {
                    throw new LogQlException("template: unclosed (");
                }
                i++;
                return new Nested(inner);
            }
            if (c == '-' || Character.isDigit(c)) {
                int start = i++;
                while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                    i++;
                }
                String number = s.substring(start, i);
                try {
                    return new Literal(number.contains(".") ? (Object) Double.parseDouble(number)
                            : (Object) Long.parseLong(number));
                } catch (NumberFormatException e) {
                    throw new LogQlException("template: not a number: " + LogQlLexer.abbreviate(number));
                }
            }
            String word = identifier();
            if (word.equals("__line__") || word.equals("__timestamp__")) {
                return new Special(word);
            }
            if (word.equals("true") || word.equals("false")) {
                return new Literal(Boolean.parseBoolean(word));
            }
            throw new LogQlException("template: unexpected " + LogQlLexer.abbreviate(word.isEmpty() ? s.substring(i)
                    : word) + "; a function's arguments are .labels, literals or (pipelines)");
        }

        private String string() {
            char quote = s.charAt(i++);
            StringBuilder out = new StringBuilder();
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == quote) {
                    return out.toString();
                }
                if (c == '\\' && quote == '"' && i < s.length()) {
                    char e = s.charAt(i++);
                    out.append(switch (e) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        case 'r' -> '\r';
                        default -> e;
                    });
                } else {
                    out.append(c);
                }
            }
            throw new LogQlException("template: unterminated string");
        }

        private String identifier() {
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                i++;
            }
            return s.substring(start, i);
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }
    }

    // ---- execution

    /** The template's text for one entry. */
    public String execute(Data data) {
        Run run = new Run(data);
        run.nodes(nodes);
        return run.out.toString();
    }

    private static final class Run {
        private final Data data;
        private final StringBuilder out = new StringBuilder();
        private int steps;

        Run(Data data) {
            this.data = data;
        }

        void nodes(List<Node> list) {
            for (Node node : list) {
                step();
                if (node instanceof Text text) {
                    write(text.text());
                } else if (node instanceof Action action) {
                    write(print(pipe(action.pipe())));
                } else {
                    If branch = (If) node;
                    nodes(truth(pipe(branch.condition())) ? branch.then() : branch.otherwise());
                }
            }
        }

        private void step() {
            if (++steps > MAX_STEPS) {
                throw new TemplateError("template takes more than " + MAX_STEPS + " steps");
            }
        }

        private void write(String text) {
            if (out.length() + text.length() > MAX_OUTPUT) {
                throw new TemplateError("template writes more than " + MAX_OUTPUT + " characters");
            }
            out.append(text);
        }

        private Object pipe(Pipe pipe) {
            Object value = null;
            boolean first = true;
            for (Command command : pipe.commands()) {
                step();
                List<Object> args = new ArrayList<>();
                for (Operand operand : command.args()) {
                    args.add(value(operand));
                }
                if (!first) {
                    args.add(value);
                }
                if (command.function() == null) {
                    if (args.size() != 1) {
                        throw new TemplateError("a value cannot take arguments");
                    }
                    value = args.get(0);
                } else {
                    value = call(command.function(), args);
                }
                first = false;
            }
            return value;
        }

        private Object value(Operand operand) {
            if (operand instanceof Field field) {
                String v = data.labels().apply(field.name());
                return v == null ? "" : v;
            }
            if (operand instanceof Literal literal) {
                return literal.value();
            }
            if (operand instanceof Nested nested) {
                return pipe(nested.pipe());
            }
            return ((Special) operand).name().equals("__line__") ? data.line() : Instant.ofEpochMilli(data.timeMillis());
        }

        private Object call(String f, List<Object> a) {
            return switch (f) {
                case "ToLower", "lower" -> str(a, f, 1, 0).toLowerCase(Locale.ROOT);
                case "ToUpper", "upper" -> str(a, f, 1, 0).toUpperCase(Locale.ROOT);
                case "title", "Title" -> title(str(a, f, 1, 0));
                case "trim", "trimSpace", "TrimSpace" -> str(a, f, 1, 0).strip();
                case "trimPrefix", "TrimPrefix" -> {
                    String p = str(a, f, 2, 0);
                    String v = str(a, f, 2, 1);
                    yield v.startsWith(p) ? v.substring(p.length()) : v;
                }
                case "trimSuffix", "TrimSuffix" -> {
                    String p = str(a, f, 2, 0);
                    String v = str(a, f, 2, 1);
                    yield v.endsWith(p) ? v.substring(0, v.length() - p.length()) : v;
                }
                case "replace" -> bounded(str(a, f, 3, 2).replace(str(a, f, 3, 0), str(a, f, 3, 1)));
                case "Replace" -> replaceN(a);
                case "substr" -> {
                    String v = str(a, f, 3, 2);
                    int start = (int) Math.max(0, Math.min(v.length(), num(a.get(0), f)));
                    int end = (int) num(a.get(1), f);
                    end = end < 0 || end > v.length() ? v.length() : Math.max(end, start);
                    yield v.substring(start, end);
                }
                case "default" -> {
                    arity(a, f, 2);
                    yield truth(a.get(1)) ? a.get(1) : a.get(0);
                }
                case "contains" -> str(a, f, 2, 1).contains(str(a, f, 2, 0));
                case "hasPrefix" -> str(a, f, 2, 1).startsWith(str(a, f, 2, 0));
                case "hasSuffix" -> str(a, f, 2, 1).endsWith(str(a, f, 2, 0));
                case "eq", "ne", "lt", "le", "gt", "ge" -> compare(f, a);
                case "and" -> {
                    Object last = null;
                    for (Object v : a) {
                        last = v;
                        if (!truth(v)) {
                            break;
                        }
                    }
                    yield last;
                }
                case "or" -> {
                    Object last = null;
                    for (Object v : a) {
                        last = v;
                        if (truth(v)) {
                            break;
                        }
                    }
                    yield last;
                }
                case "not" -> {
                    arity(a, f, 1);
                    yield !truth(a.get(0));
                }
                case "len" -> (long) str(a, f, 1, 0).length();
                case "printf" -> printf(a);
                case "regexReplaceAll", "regexReplaceAllLiteral" -> {
                    Pattern pattern = regex(str(a, f, 3, 0));
                    String repl = str(a, f, 3, 2);
                    yield bounded(f.equals("regexReplaceAll")
                            ? pattern.matcher(str(a, f, 3, 1)).replaceAll(repl)
                            : pattern.matcher(str(a, f, 3, 1)).replaceAll(java.util.regex.Matcher.quoteReplacement(repl)));
                }
                case "repeat" -> {
                    long n = (long) num(a.get(0), f);
                    String v = str(a, f, 2, 1);
                    if (n < 0 || n * v.length() > MAX_OUTPUT) {
                        throw new TemplateError("repeat writes more than " + MAX_OUTPUT + " characters");
                    }
                    yield v.repeat((int) n);
                }
                case "int" -> {
                    arity(a, f, 1);
                    yield (long) num(a.get(0), f);
                }
                case "float64" -> {
                    arity(a, f, 1);
                    yield num(a.get(0), f);
                }
                case "add", "sub", "mul", "div", "mod" -> arithmetic(f, a);
                case "unixEpoch", "unixEpochMillis" -> {
                    arity(a, f, 1);
                    if (!(a.get(0) instanceof Instant at)) {
                        throw new TemplateError(f + " takes __timestamp__");
                    }
                    yield f.equals("unixEpoch") ? at.getEpochSecond() : at.toEpochMilli();
                }
                case "abbrev" -> {
                    int width = (int) num(a.get(0), f);
                    String v = str(a, f, 2, 1);
                    yield v.length() <= width || width < 4 ? v : v.substring(0, width - 3) + "...";
                }
                case "quote" -> "\"" + str(a, f, 1, 0).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
                default -> throw new TemplateError("function " + f + " is not supported");
            };
        }

        private static Pattern regex(String text) {
            if (RegexSize.of(text, LogQl.MAX_REGEX_SIZE) > LogQl.MAX_REGEX_SIZE) {
                throw new TemplateError("regular expression too large");
            }
            try {
                return Pattern.compile(text);
            } catch (com.google.re2j.PatternSyntaxException e) {
                throw new TemplateError("invalid regular expression: " + e.getDescription());
            }
        }

        private static String bounded(String text) {
            if (text.length() > MAX_OUTPUT) {
                throw new TemplateError("template writes more than " + MAX_OUTPUT + " characters");
            }
            return text;
        }

        private Object replaceN(List<Object> a) {
            arity(a, "Replace", 4);
            String v = print(a.get(0));
            String from = print(a.get(1));
            String to = print(a.get(2));
            long n = (long) num(a.get(3), "Replace");
            if (n < 0) {
                return bounded(v.replace(from, to));
            }
            StringBuilder out = new StringBuilder();
            int at = 0;
            for (long k = 0; k < n && !from.isEmpty(); k++) {
                int next = v.indexOf(from, at);
                if (next < 0) {
                    break;
                }
                out.append(v, at, next).append(to);
                at = next + from.length();
            }
            return bounded(out.append(v.substring(at)).toString());
        }

        private Object compare(String f, List<Object> a) {
            arity(a, f, 2);
            Object x = a.get(0);
            Object y = a.get(1);
            int c;
            Double nx = number(x);
            Double ny = number(y);
            if (x instanceof Number && y instanceof Number || nx != null && ny != null && !(x instanceof String
                    && y instanceof String)) {
                c = Double.compare(nx, ny);
            } else {
                c = print(x).compareTo(print(y));
            }
            return switch (f) {
                case "eq" -> c == 0;
                case "ne" -> c != 0;
                case "lt" -> c < 0;
                case "le" -> c <= 0;
                case "gt" -> c > 0;
                default -> c >= 0;
            };
        }

        private Object arithmetic(String f, List<Object> a) {
            arity(a, f, 2);
            double x = num(a.get(0), f);
            double y = num(a.get(1), f);
            boolean whole = !(a.get(0) instanceof Double) && !(a.get(1) instanceof Double)
                    && x == Math.rint(x) && y == Math.rint(y);
            if (whole && (f.equals("div") || f.equals("mod")) && y == 0) {
                throw new TemplateError(f + " by zero");
            }
            double r = switch (f) {
                case "add" -> x + y;
                case "sub" -> x - y;
                case "mul" -> x * y;
                case "div" -> whole ? (long) x / (long) y : x / y;
                default -> whole ? (long) x % (long) y : x % y;
            };
            return whole ? (Object) (long) r : (Object) r;
        }

        private String printf(List<Object> a) {
            if (a.isEmpty()) {
                throw new TemplateError("printf takes a format");
            }
            String format = print(a.get(0));
            StringBuilder out = new StringBuilder();
            int next = 1;
            for (int j = 0; j < format.length(); j++) {
                char c = format.charAt(j);
                if (c != '%' || j + 1 >= format.length()) {
                    out.append(c);
                    continue;
                }
                char verb = format.charAt(++j);
                if (verb == '%') {
                    out.append('%');
                    continue;
                }
                Object arg = next < a.size() ? a.get(next++) : null;
                if (arg == null) {
                    out.append("%!").append(verb).append("(MISSING)");
                    continue;
                }
                out.append(switch (verb) {
                    case 'd' -> Long.toString((long) num(arg, "printf"));
                    case 'f' -> String.format(Locale.ROOT, "%f", num(arg, "printf"));
                    case 'q' -> "\"" + print(arg).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
                    case 's', 'v' -> print(arg);
                    default -> throw new TemplateError("printf verb %" + verb + " is not supported (%s %v %d %f %q)");
                });
                if (out.length() > MAX_OUTPUT) {
                    throw new TemplateError("template writes more than " + MAX_OUTPUT + " characters");
                }
            }
            return out.toString();
        }

        private static void arity(List<Object> a, String f, int n) {
            if (a.size() != n) {
                throw new TemplateError(f + " takes " + n + " argument" + (n == 1 ? "" : "s") + ", not " + a.size());
            }
        }

        private static String str(List<Object> a, String f, int n, int index) {
            arity(a, f, n);
            return print(a.get(index));
        }

        private static Double number(Object v) {
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            if (v instanceof String text) {
                return LabelNumbers.parse(text.strip(), LogQl.Unit.NUMBER);
            }
            return null;
        }

        private static double num(Object v, String f) {
            Double n = number(v);
            if (n == null) {
                throw new TemplateError(f + " takes a number, not '" + LogQlLexer.abbreviate(print(v)) + "'");
            }
            return n;
        }

        private static String title(String v) {
            StringBuilder out = new StringBuilder(v.length());
            boolean start = true;
            for (char c : v.toCharArray()) {
                out.append(start ? Character.toUpperCase(c) : c);
                start = !Character.isLetterOrDigit(c);
            }
            return out.toString();
        }
    }

    static boolean truth(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        return !print(v).isEmpty();
    }

    /** A value as Go's template prints it. */
    static String print(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double d) {
            return d == Math.rint(d) && Math.abs(d) < 1e21 ? Long.toString(d.longValue()) : d.toString();
        }
        if (v instanceof Instant at) {
            return GO_TIME.format(at) + " +0000 UTC";
        }
        return v.toString();
    }
}
