package io.logstream.query.logql;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Prometheus-style durations as Loki takes them ({@code 1h30m}, {@code 90s}, {@code 500ms}). */
public final class PromDuration {
    private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h|d|w|y)");

    private PromDuration() {
    }

    public static long nanos(String text) {
        Matcher m = PART.matcher(text);
        long total = 0;
        int at = 0;
        while (m.find() && m.start() == at) {
            long n = Long.parseLong(m.group(1));
            long unit = switch (m.group(2)) {
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                case "d" -> 86_400_000_000_000L;
                case "w" -> 604_800_000_000_000L;
                default -> 31_536_000_000_000_000L;
            };
            total = Math.addExact(total, Math.multiplyExact(n, unit));
            at = m.end();
        }
        if (at == 0 || at != text.length()) {
            throw new IllegalArgumentException("expected a duration such as 1h or 15m30s");
        }
        return total;
    }
}
