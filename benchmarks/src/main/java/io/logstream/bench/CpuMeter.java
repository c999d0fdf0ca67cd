package io.logstream.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time (user + system) of processes between two points, from the kernel's accounting
 * ({@link ProcessHandle.Info#totalCpuDuration()}, i.e. utime + stime of /proc/PID/stat on Linux), with the wall time
 * in between: a CPU cost that does not depend on how busy the machine is, and each process's share of the cores.
 */
final class CpuMeter {
    private final Map<String, ProcessHandle> processes = new LinkedHashMap<>();
    private final Map<String, Duration> start = new LinkedHashMap<>();
    private long startNanos;

    CpuMeter add(String name, ProcessHandle process) {
        processes.put(name, process);
        return this;
    }

    /** The JVM and the node processes it started (the Kinesis engine), each under its own name. */
    CpuMeter addSelfAndChildren(String self, String children) {
        add(self, ProcessHandle.current());
        ProcessHandle.current().children().filter(p -> p.info().command().orElse("").endsWith("node"))
                .findFirst().ifPresent(node -> add(children, node));
        return this;
    }

    void start() {
        startNanos = System.nanoTime();
        processes.forEach((name, process) -> start.put(name, cpu(process)));
    }

    /** CPU seconds each process used since {@link #start()}, and "wall" for the seconds that passed. */
    Map<String, Double> since() {
        Map<String, Double> used = new LinkedHashMap<>();
        processes.forEach((name, process) -> used.put(name,
                (cpu(process).toNanos() - start.get(name).toNanos()) / 1e9));
        used.put("wall", (System.nanoTime() - startNanos) / 1e9);
        return used;
    }

    /**
     * CPU seconds one JVM's JIT compiler threads ("C1/C2 CompilerThread") and garbage collector threads ("GC Thread#",
     * "G1 …", and the "VM Thread", in which the Serial collector collects and the others start their pauses) used
     * since {@link #of}, from the kernel's per-thread accounting (/proc/PID/task/TID/stat, utime + stime
     * in clock ticks of 1/100 s). A thread that started in between counts from zero; one that ended in between is
     * missing (the JVM ends idle compiler threads), so this can only undercount.
     */
    record JvmThreads(ProcessHandle process, Map<String, Double> start) {
        static JvmThreads of(ProcessHandle process) {
            return new JvmThreads(process, read(process));
        }

        /** {@code kind}: "jit" or "gc". */
        double since(String kind) {
            return read(process).entrySet().stream().filter(e -> e.getKey().startsWith(kind + "/"))
                    .mapToDouble(e -> e.getValue() - start.getOrDefault(e.getKey(), 0.0)).sum();
        }

        /** Each compiler and GC thread's CPU seconds so far, keyed "jit/TID" or "gc/TID". */
        private static Map<String, Double> read(ProcessHandle process) {
            Map<String, Double> used = new LinkedHashMap<>();
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
                for (Path task : tasks.toList()) {
                    String stat;
                    try {
                        stat = Files.readString(task.resolve("stat"));
                    } catch (IOException ended) {
                        continue;
                    }
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double seconds = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
                    if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                        used.put("jit/" + task.getFileName(), seconds);
                    } else if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread")) {
                        used.put("gc/" + task.getFileName(), seconds);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return used;
        }
    }

    static Duration cpu(ProcessHandle process) {
        return process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }
}
