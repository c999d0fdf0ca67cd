package io.logstream.query.logql;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * {@code | pattern "<ip> - <_> [<ts>] \"<method> <path> <_>\""}, as Loki's pattern parser: literals and captures
 * {@code <name>} ({@code <_>} matches without capturing). A capture takes the text up to the first occurrence of the
 * literal after it; a leading literal must start the line; a capture whose literal is not found takes the rest of the
 * line and the captures after it are left out, as in Loki. Matching is one pass over the line: linear time.
 */
public final class LinePattern {
    private static final java.util.regex.Pattern CAPTURE = java.util.regex.Pattern.compile("<(_|[a-zA-Z_][a-zA-Z0-9_]*)>");

    /** Alternating parts: a literal ({@code capture} null) or a capture ({@code literal} null). */
    private record Part(String literal, String capture) {
    }

    private final List<Part> parts;
    private final String source;

    private LinePattern(String source, List<Part> parts) {
        this.source = source;
        this.parts = parts;
    }

    public static LinePattern parse(String source) {
        List<Part> parts = new ArrayList<>();
        Matcher m = CAPTURE.matcher(source);
        int at = 0;
        Set<String> names = new HashSet<>();
        while (m.find()) {
            if (m.start() > at) {
                parts.add(new Part(source.substring(at, m.start()), null));
            } else if (!parts.isEmpty() && parts.get(parts.size() - 1).capture() != null) {
                throw new LogQlException("pattern " + LogQlLexer.abbreviate(source) + ": two captures side by side ("
                        + m.group() + "); put a literal between them");
            }
            String name = m.group(1);
            if (!name.equals("_") && !names.add(name)) {
                throw new LogQlException("pattern " + LogQlLexer.abbreviate(source) + ": capture <" + name
                        + "> appears twice");
            }
            parts.add(new Part(null, name));
            at = m.end();
        }
        if (at < source.length()) {
            parts.add(new Part(source.substring(at), null));
        }
        if (names.isEmpty()) {
            throw new LogQlException("pattern " + LogQlLexer.abbreviate(source) + " has no named capture such as <ip>");
        }
        return new LinePattern(source, List.copyOf(parts));
    }

    /** The captures in {@code line}, by name, in order. */
    public void match(String line, Map<String, String> into) {
        int at = 0;
        int i = 0;
        if (parts.get(0).literal() != null) {
            if (!line.startsWith(parts.get(0).literal())) {
                return;
            }
            at = parts.get(0).literal().length();
            i = 1;
        }
        for (; i < parts.size(); i += 2) {
            String name = parts.get(i).capture();
            if (i + 1 >= parts.size()) { // ends on a capture: the rest of the line
                put(name, line.substring(at), into);
                return;
            }
            String literal = parts.get(i + 1).literal();
            int next = line.indexOf(literal, at);
            if (next < 0) {
                put(name, line.substring(at), into);
                return;
            }
            put(name, line.substring(at, next), into);
            at = next + literal.length();
        }
    }

    private static void put(String name, String value, Map<String, String> into) {
        if (!name.equals("_")) {
            into.put(name, value);
        }
    }

    @Override
    public String toString() {
        return source;
    }
}
