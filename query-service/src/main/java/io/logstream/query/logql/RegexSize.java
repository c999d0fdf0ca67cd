package io.logstream.query.logql;

/**
 * An upper bound of the program re2j compiles from a pattern, read from the pattern's text before anything is
 * compiled: every atom counts 1, a group its contents, and a repetition {@code {n,m}} multiplies what it repeats by
 * {@code m} (by {@code n + 1} for {@code {n,}}), nested repetitions by each other. re2j expands counted repetitions
 * when it compiles, so {@code (((a{1000}){1000}){1000}){1000}} (36 characters) would be 10^12 instructions: compiling
 * it ran the heap out. Syntax errors are left for re2j to report; this only has to count what re2j would build.
 */
final class RegexSize {
    private RegexSize() {
    }

    /** The bound, or a number above {@code limit} as soon as the count passes it (it stops counting there). */
    static long of(String regex, long limit) {
        Frame frame = new Frame(null);
        int i = 0;
        while (i < regex.length()) {
            char c = regex.charAt(i);
            switch (c) {
                case '\\' -> {
                    i = escape(regex, i);
                    frame.atom(1);
                    continue;
                }
                case '[' -> {
                    i = charClass(regex, i);
                    frame.atom(1);
                    continue;
                }
                case '(' -> {
                    int close = flagsOnly(regex, i);
                    if (close > 0) { // (?i) and the like set flags; they match nothing
                        i = close + 1;
                        continue;
                    }
                    frame = new Frame(frame);
                }
                case ')' -> {
                    if (frame.parent != null) {
                        long group = frame.total + 1;
                        frame = frame.parent;
                        frame.atom(group);
                    } else {
                        frame.atom(1);
                    }
                }
                case '|' -> {
                    frame.total += 1;
                    frame.last = 0;
                }
                case '*', '+', '?' -> frame.total += 1;
                case '{' -> {
                    int[] repeat = repeat(regex, i);
                    if (repeat != null) {
                        frame.repeat(repeat[0]);
                        i = repeat[1];
                    } else {
                        frame.atom(1);
                    }
                }
                default -> frame.atom(1);
            }
            if (frame.total > limit) {
                return limit + 1;
            }
            i++;
        }
        long total = 0;
        for (Frame f = frame; f != null; f = f.parent) {
            total += f.total;
        }
        return total;
    }

    /** The index after an escape: {@code \x}, {@code \x{…}}, {@code \p{…}}, {@code \Q…\E}. */
    private static int escape(String regex, int at) {
        if (at + 1 >= regex.length()) {
            return regex.length();
        }
        char kind = regex.charAt(at + 1);
        if ((kind == 'x' || kind == 'p' || kind == 'P') && at + 2 < regex.length() && regex.charAt(at + 2) == '{') {
            int close = regex.indexOf('}', at + 3);
            return close < 0 ? regex.length() : close + 1;
        }
        if (kind == 'Q') {
            int end = regex.indexOf("\\E", at + 2);
            return end < 0 ? regex.length() : end + 2;
        }
        return at + 2;
    }

    /** The index after a character class {@code […]}, {@code [^]…]}, with {@code [:alpha:]} and escapes inside. */
    private static int charClass(String regex, int at) {
        int i = at + 1;
        if (i < regex.length() && regex.charAt(i) == '^') {
            i++;
        }
        if (i < regex.length() && regex.charAt(i) == ']') {
            i++;
        }
        while (i < regex.length()) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i = escape(regex, i);
            } else if (c == '[' && regex.startsWith("[:", i)) {
                int close = regex.indexOf(":]", i + 2);
                i = close < 0 ? i + 1 : close + 2;
            } else if (c == ']') {
                return i + 1;
            } else {
                i++;
            }
        }
        return i;
    }

    /** For {@code (?flags)}, the index of its {@code )}; otherwise 0. */
    private static int flagsOnly(String regex, int at) {
        if (!regex.startsWith("(?", at)) {
            return 0;
        }
        int i = at + 2;
        while (i < regex.length() && (Character.isLetter(regex.charAt(i)) || regex.charAt(i) == '-')) {
            i++;
        }
        return i < regex.length() && regex.charAt(i) == ')' && i > at + 2 ? i : 0;
    }

    /** For {@code {n}}, {@code {n,}}, {@code {n,m}} at {@code at}: the copies it makes and the index of its {@code }}. */
    private static int[] repeat(String regex, int at) {
        int close = regex.indexOf('}', at);
        if (close < 0 || close - at > 16) {
            return null;
        }
        String body = regex.substring(at + 1, close);
        if (!body.matches("\\d+(,\\d*)?")) {
            return null;
        }
        String[] bounds = body.split(",", -1);
        long min = Long.parseLong(bounds[0].length() > 9 ? "999999999" : bounds[0]);
        long copies = bounds.length == 1 ? min
                : bounds[1].isEmpty() ? min + 1 : Long.parseLong(bounds[1].length() > 9 ? "999999999" : bounds[1]);
        return new int[]{(int) Math.max(1, Math.min(copies, 1_000_000_000L)), close};
    }

    /** One level of grouping: what it holds so far and the size of its last atom (what a repetition repeats). */
    private static final class Frame {
        private final Frame parent;
        private long total;
        private long last;

        private Frame(Frame parent) {
            this.parent = parent;
        }

        private void atom(long size) {
            total += size;
            last = size;
        }

        private void repeat(long copies) {
            long extra = saturatingMultiply(last, copies - 1);
            total = saturatingAdd(total, extra);
            last = saturatingMultiply(last, copies);
        }
    }

    private static long saturatingMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        return high != 0 || a * b < 0 ? Long.MAX_VALUE / 4 : a * b;
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE / 4 : sum;
    }
}
