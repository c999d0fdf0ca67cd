package io.logstream.query.logql;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsers a pipeline runs on a line, as Loki's: {@code json} (all fields, or an extraction list of paths),
 * {@code logfmt} (with {@code --strict} and {@code --keep-empty}), {@code unpack} (a JSON object whose string values
 * are labels and whose {@code _entry} is the line), {@code regexp} and {@code pattern}. Each fills {@code fields} with
 * raw names (the pipeline sanitises them) and returns an error message, or null. JSON nests at most
 * {@link #MAX_JSON_DEPTH} deep: a deeper line is a parser error, never a stall.
 */
final class LineParsers {
    static final int MAX_JSON_DEPTH = 64;
    static final String ENTRY = "_entry";
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build()).build();

    private LineParsers() {
    }

    /** Every field of a JSON object line, nested keys joined by {@code _}, arrays skipped. */
    static String json(String line, Map<String, String> fields) throws IOException {
        return oneObject(line, parser -> object(parser, "", fields));
    }

    /** What reads a JSON object line's object, from its first field on. */
    private interface ObjectReader {
        void read(JsonParser parser) throws IOException;
    }

    /** Reads a line that must be one JSON object with {@code reader}; the problem with the line, or null. */
    private static String oneObject(String line, ObjectReader reader) throws IOException {
        try (JsonParser parser = JSON.createParser(line)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return "the line is not a JSON object";
            }
            reader.read(parser);
            return parser.nextToken() != null ? "more after the JSON object" : null;
        }
    }

    private static void object(JsonParser parser, String prefix, Map<String, String> fields) throws IOException {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = prefix + parser.currentName();
            JsonToken value = parser.nextToken();
            switch (value) {
                case START_OBJECT -> object(parser, name + "_", fields);
                case START_ARRAY -> parser.skipChildren();
                case VALUE_NULL -> fields.put(name, "");
                default -> fields.put(name, parser.getText());
            }
        }
    }

    /**
     * The extraction list's paths of a JSON object line: {@code a.b}, {@code a["b"]}, {@code a[0]}; a string is its
     * text, an object or array its JSON, a path that is not there no label, as in Loki.
     */
    static String jsonPaths(String line, List<LogQl.Extraction> extractions, Map<String, String> fields)
            throws IOException {
        Object[] root = new Object[1];
        String problem = oneObject(line, parser -> root[0] = tree(parser));
        if (problem != null) {
            return problem;
        }
        for (LogQl.Extraction extraction : extractions) {
            Object value = root[0];
            for (Object step : path(extraction.path())) {
                if (step instanceof Integer index && value instanceof List<?> list) {
                    value = index < list.size() ? list.get(index) : null;
                } else if (step instanceof String key && value instanceof Map<?, ?> map) {
                    value = map.get(key);
                } else {
                    value = null;
                }
                if (value == null) {
                    break;
                }
            }
            if (value != null) {
                fields.put(extraction.label(), value instanceof String text ? text : write(value));
            }
        }
        return null;
    }

    /** A JSON path as Loki's extraction takes it: {@code a.b[0]["c d"]}; refused (400) if it is not one. */
    static List<Object> path(String path) {
        List<Object> steps = new ArrayList<>();
        int i = 0;
        int n = path.length();
        while (i < n) {
            char c = path.charAt(i);
            if (c == '.') {
                i++;
                continue;
            }
            if (c == '[') {
                int close = path.indexOf(']', i);
                if (close < 0) {
                    throw new LogQlException("invalid JSON path " + LogQlLexer.abbreviate(path) + ": unclosed [");
                }
                String inside = path.substring(i + 1, close).strip();
                if (inside.length() >= 2 && (inside.charAt(0) == '"' || inside.charAt(0) == '\'')
                        && inside.charAt(inside.length() - 1) == inside.charAt(0)) {
                    steps.add(inside.substring(1, inside.length() - 1));
                } else {
                    try {
                        steps.add(Integer.parseInt(inside));
                    } catch (NumberFormatException e) {
                        throw new LogQlException("invalid JSON path " + LogQlLexer.abbreviate(path) + ": [" + inside
                                + "] is neither an index nor a quoted key");
                    }
                }
                i = close + 1;
                continue;
            }
            int start = i;
            while (i < n && path.charAt(i) != '.' && path.charAt(i) != '[') {
                i++;
            }
            steps.add(path.substring(start, i));
        }
        if (steps.isEmpty()) {
            throw new LogQlException("invalid JSON path " + LogQlLexer.abbreviate(path) + ": empty");
        }
        return steps;
    }

    /** The JSON value at the parser's current token, as maps, lists, strings and raw scalars. */
    private static Object tree(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT) {
            Map<String, Object> map = new LinkedHashMap<>();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                map.put(name, tree(parser));
            }
            return map;
        }
        if (token == JsonToken.START_ARRAY) {
            List<Object> list = new ArrayList<>();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                list.add(tree(parser));
            }
            return list;
        }
        if (token == JsonToken.VALUE_STRING) {
            return parser.getText();
        }
        return new Raw(token == JsonToken.VALUE_NULL ? "" : parser.getText());
    }

    /** A JSON number, boolean or null, as its text. */
    private record Raw(String text) {
    }

    private static String write(Object value) throws IOException {
        if (value instanceof Raw raw) {
            return raw.text();
        }
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = JSON.createGenerator(out)) {
            write(value, generator);
        }
        return out.toString();
    }

    private static void write(Object value, JsonGenerator generator) throws IOException {
        if (value instanceof Map<?, ?> map) {
            generator.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                generator.writeFieldName((String) e.getKey());
                write(e.getValue(), generator);
            }
            generator.writeEndObject();
        } else if (value instanceof List<?> list) {
            generator.writeStartArray();
            for (Object item : list) {
                write(item, generator);
            }
            generator.writeEndArray();
        } else if (value instanceof String text) {
            generator.writeString(text);
        } else {
            String raw = ((Raw) value).text();
            generator.writeRawValue(raw.isEmpty() ? "null" : raw);
        }
    }

    /**
     * {@code | unpack}: a JSON object line whose string values become labels; {@code _entry}, if there, is the new
     * line ({@code line[0]}). Other values are left out, as in Loki.
     */
    static String unpack(String line, Map<String, String> fields, String[] newLine) throws IOException {
        return oneObject(line, parser -> {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                    parser.skipChildren();
                } else if (value == JsonToken.VALUE_STRING) {
                    if (name.equals(ENTRY)) {
                        newLine[0] = parser.getText();
                    } else {
                        fields.put(name, parser.getText());
                    }
                }
            }
        });
    }

    /**
     * {@code key=value key2="quoted \"value\""} pairs. An empty value (a key without {@code =}, or {@code key=}) is
     * left out unless {@code keepEmpty}. A token it cannot read (a quote in a key, an unterminated quoted value) is
     * skipped, as Loki's parser does without {@code --strict}; with it, it is the error returned.
     */
    static String logfmt(String line, Map<String, String> fields, boolean strict, boolean keepEmpty) {
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && line.charAt(i) <= ' ') {
                i++;
            }
            int start = i;
            while (i < n && line.charAt(i) > ' ' && line.charAt(i) != '=' && line.charAt(i) != '"') {
                i++;
            }
            String key = line.substring(start, i);
            if (i < n && line.charAt(i) == '"') {
                if (strict) {
                    return "logfmt syntax error at pos " + (i + 1) + ": unexpected '\"'";
                }
                i = skipToken(line, i);
                continue;
            }
            if (i >= n || line.charAt(i) != '=') {
                if (!key.isEmpty() && keepEmpty) {
                    fields.put(key, "");
                }
                continue;
            }
            if (key.isEmpty() && strict) {
                return "logfmt syntax error at pos " + (i + 1) + ": unexpected '='";
            }
            i++; // '='
            StringBuilder value = new StringBuilder();
            if (i < n && line.charAt(i) == '"') {
                int quote = i++;
                boolean closed = false;
                while (i < n) {
                    char c = line.charAt(i++);
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    if (c == '\\' && i < n) {
                        char e = line.charAt(i++);
                        value.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case 'r' -> '\r';
                            default -> e;
                        });
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    if (strict) {
                        return "logfmt syntax error at pos " + (n + 1) + ": unterminated quoted value";
                    }
                    i = skipToken(line, quote);
                    continue;
                }
            } else {
                while (i < n && line.charAt(i) > ' ') {
                    if (line.charAt(i) == '"' && strict) {
                        return "logfmt syntax error at pos " + (i + 1) + ": unexpected '\"'";
                    }
                    value.append(line.charAt(i++));
                }
            }
            if (!key.isEmpty() && (keepEmpty || value.length() > 0)) {
                fields.put(key, value.toString());
            }
        }
        return null;
    }

    private static int skipToken(String line, int from) {
        int i = from;
        while (i < line.length() && line.charAt(i) > ' ') {
            i++;
        }
        return i;
    }

    /** {@code | regexp}: the named groups of the first match, those that took part in it. */
    static void regexp(com.google.re2j.Pattern pattern, String line, Map<String, String> fields) {
        com.google.re2j.Matcher m = pattern.matcher(line);
        if (!m.find()) {
            return;
        }
        pattern.namedGroups().forEach((name, group) -> {
            String value = m.group(group);
            if (value != null) {
                fields.put(name, value);
            }
        });
    }
}
