package io.logstream.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The top frames of a JDK Flight Recorder recording's CPU samples ({@code jdk.ExecutionSample}): where the time is
 * spent (self, the sampled method) and which methods it is spent under (total, each method once per sample).
 * Usage: {@code JfrTop recording.jfr [rows=25]}.
 */
public final class JfrTop {
    private JfrTop() {
    }

    public static void main(String[] args) throws Exception {
        System.out.print(summary(Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 25));
    }

    static String summary(Path recording, int rows) throws Exception {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        int samples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            List<RecordedFrame> frames = stack.getFrames();
            self.merge(name(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame frame : frames) {
                String name = name(frame);
                if (seen.add(name)) {
                    total.merge(name, 1, Integer::sum);
                }
            }
        }
        int n = samples;
        StringBuilder out = new StringBuilder(String.format("%d CPU samples%n%nself (the sampled method)%n", n));
        out.append(table(self, n, rows));
        out.append(String.format("%ntotal (under this method), project and SDK frames%n"));
        out.append(table(total.entrySet().stream().filter(e -> e.getKey().startsWith("io.logstream")
                        || e.getKey().startsWith("software.amazon") || e.getKey().startsWith("com.fasterxml"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), n, rows));
        return out.toString();
    }

    private static String table(Map<String, Integer> counts, int samples, int rows) {
        return counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(rows)
                .map(e -> String.format("%6.1f %%  %s%n", 100.0 * e.getValue() / Math.max(1, samples), e.getKey()))
                .collect(Collectors.joining());
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }
}
