package io.logstream.model;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Severity of a log record. Parsing accepts any case and the aliases common logging libraries emit. */
public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR, FATAL;

    private static final Map<String, LogLevel> ALIASES = Map.ofEntries(
            Map.entry("FINEST", TRACE), Map.entry("FINER", TRACE),
            Map.entry("FINE", DEBUG), Map.entry("DBG", DEBUG),
            Map.entry("INFORMATION", INFO), Map.entry("NOTICE", INFO),
            Map.entry("WARNING", WARN),
            Map.entry("ERR", ERROR), Map.entry("SEVERE", ERROR),
            Map.entry("CRITICAL", FATAL), Map.entry("CRIT", FATAL), Map.entry("ALERT", FATAL),
            Map.entry("EMERG", FATAL), Map.entry("EMERGENCY", FATAL), Map.entry("PANIC", FATAL));

    /** Every name {@link #parse} accepts (in any case): the levels and their aliases, upper case. */
    public static Set<String> acceptedNames() {
        Set<String> names = new TreeSet<>(ALIASES.keySet());
        for (LogLevel level : values()) {
            names.add(level.name());
        }
        return names;
    }

    public static Optional<LogLevel> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String upper = text.trim().toUpperCase(Locale.ROOT);
        for (LogLevel level : values()) {
            if (level.name().equals(upper)) {
                return Optional.of(level);
            }
        }
        return Optional.ofNullable(ALIASES.get(upper));
    }

    /** ERROR and FATAL records raise a {@code LogError} event. */
    public boolean raisesAlert() {
        return this == ERROR || this == FATAL;
    }
}
