package io.logstream.query.logql;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The numbers a label filter compares, read as Loki reads them: plain numbers, Go durations ({@code 250ms},
 * {@code 1h30m}, in seconds) and sizes ({@code 20MB}, {@code 1KiB}, in bytes; decimal units are powers of 1,000,
 * binary ones of 1,024).
 */
public final class LabelNumbers {
    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
    private static final Pattern BYTES = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+) ?([a-zA-Z]*)");

    private LabelNumbers() {
    }

    /** The value of {@code text} in {@code unit}, or null when it is not one. */
    public static Double parse(String text, LogQl.Unit unit) {
        return switch (unit) {
            case NUMBER -> number(text);
            case DURATION -> seconds(text);
            case BYTES -> bytes(text);
        };
    }

    static Double number(String text) {
        return text != null && NUMBER.matcher(text).matches() ? Double.parseDouble(text) : null;
    }

    /** A Go duration in seconds ({@code time.ParseDuration}), or null. */
    static Double seconds(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        String body = text;
        double sign = 1;
        if (body.startsWith("-") || body.startsWith("+")) {
            sign = body.startsWith("-") ? -1 : 1;
            body = body.substring(1);
        }
        if (body.equals("0")) {
            return 0.0;
        }
        Matcher m = DURATION_PART.matcher(body);
        double total = 0;
        int at = 0;
        while (m.find() && m.start() == at) {
            double n = Double.parseDouble(m.group(1));
            total += n * switch (m.group(2)) {
                case "ns" -> 1e-9;
                case "us", "µs", "μs" -> 1e-6;
                case "ms" -> 1e-3;
                case "s" -> 1;
                case "m" -> 60;
                default -> 3600;
            };
            at = m.end();
        }
        return at > 0 && at == body.length() ? sign * total : null;
    }

    /** A size in bytes ({@code humanize.ParseBytes}), or null. */
    static Double bytes(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = BYTES.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        double n = Double.parseDouble(m.group(1));
        double unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1;
            case "k", "kb" -> 1e3;
            case "m", "mb" -> 1e6;
            case "g", "gb" -> 1e9;
            case "t", "tb" -> 1e12;
            case "p", "pb" -> 1e15;
            case "e", "eb" -> 1e18;
            case "ki", "kib" -> 1024.0;
            case "mi", "mib" -> 1024.0 * 1024;
            case "gi", "gib" -> 1024.0 * 1024 * 1024;
            case "ti", "tib" -> 1024.0 * 1024 * 1024 * 1024;
            case "pi", "pib" -> 1024.0 * 1024 * 1024 * 1024 * 1024;
            case "ei", "eib" -> 1024.0 * 1024 * 1024 * 1024 * 1024 * 1024;
            default -> -1;
        };
        return unit < 0 ? null : n * unit;
    }
}
