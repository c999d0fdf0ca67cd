package io.logstream.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

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

    static Duration cpu(ProcessHandle process) {
        return process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }
}
