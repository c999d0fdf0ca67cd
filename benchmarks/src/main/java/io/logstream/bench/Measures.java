package io.logstream.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A benchmark's results, each measure named once: its label for the printed table, its key for the CSV, its value
 * and how many decimals it is shown with. A share is a ratio, shown in the table as a percentage.
 */
final class Measures {
    private record Measure(String label, String key, double value, int decimals, boolean share) {
    }

    private final List<Measure> measures = new ArrayList<>();
    private final String title;

    Measures(String title) {
        this.title = title;
    }

    Measures add(String label, String key, double value, int decimals) {
        measures.add(new Measure(label, key, value, decimals, false));
        return this;
    }

    /** A ratio: the CSV has it as a fraction, the table as a percentage. */
    Measures share(String label, String key, double ratio) {
        measures.add(new Measure(label, key, ratio, 3, true));
        return this;
    }

    String table() {
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%n%-62s %12s%n", title, "value"));
        for (Measure m : measures) {
            table.append(m.share()
                    ? String.format(Locale.ROOT, "%-62s %11.0f%%%n", m.label(), 100 * m.value())
                    : String.format(Locale.ROOT, "%-62s %12." + m.decimals() + "f%n", m.label(), m.value()));
        }
        return table.toString();
    }

    String csv() {
        StringBuilder csv = new StringBuilder("measure,value\n");
        for (Measure m : measures) {
            csv.append(m.key()).append(',')
                    .append(String.format(Locale.ROOT, "%." + m.decimals() + "f", m.value())).append('\n');
        }
        return csv.toString();
    }
}
