package io.logstream.localaws;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Kinesis engine in a node child process: kinesis-mock (the engine LocalStack runs; for correctness) or
 * kinesalite (faster; for throughput). The wrapper script {@code engine.js} ends the engine when this JVM's pipe to
 * it closes, so the process never outlives the JVM, not even after {@code kill -9}.
 */
public final class KinesisEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KinesisEngine.class);

    public enum Kind {
        KINESIS_MOCK("kinesis-mock"), KINESALITE("kinesalite");

        private final String script;

        Kind(String script) {
            this.script = script;
        }
    }

    private final Kind kind;
    private final int port;
    private final Process process;

    private KinesisEngine(Kind kind, int port, Process process) {
        this.kind = kind;
        this.port = port;
        this.process = process;
    }

    public static KinesisEngine start(Kind kind, Path logFile) {
        Path nodeDir = nodeDirectory();
        ensureInstalled(nodeDir);
        int port = FreePorts.next();
        List<String> command = List.of("node", nodeDir.resolve("engine.js").toString(), kind.script,
                Integer.toString(port), Integer.toString(FreePorts.next()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(nodeDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().put("HARNESS_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
        try {
            Process process = builder.start();
            KinesisEngine engine = new KinesisEngine(kind, port, process);
            FreePorts.awaitListening(port, Duration.ofSeconds(60), process);
            LOG.info("{} listening on 127.0.0.1:{} (pid {})", kind.script, port, process.pid());
            return engine;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start node; is Node.js installed?", e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public Kind kind() {
        return kind;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code local-aws/node}: from {@code -Dlogstream.localaws.node}, else found upwards from the working directory. */
    static Path nodeDirectory() {
        String configured = System.getProperty("logstream.localaws.node");
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured).toAbsolutePath();
        }
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("local-aws").resolve("node");
            if (Files.isRegularFile(candidate.resolve("engine.js"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("cannot find local-aws/node; set -Dlogstream.localaws.node");
    }

    /** Installs the engines from the committed lock file the first time they are needed. */
    private static synchronized void ensureInstalled(Path nodeDir) {
        if (Files.isRegularFile(nodeDir.resolve("node_modules/kinesis-local/main.js"))
                && Files.isRegularFile(nodeDir.resolve("node_modules/kinesalite/index.js"))) {
            return;
        }
        LOG.info("installing Kinesis engines with npm ci in {}", nodeDir);
        try {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(nodeDir.toFile())
                    .redirectErrorStream(true).redirectOutput(new File(nodeDir.toFile(), "npm-ci.log")).start();
            if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
                throw new IllegalStateException("npm ci failed in " + nodeDir + "; see npm-ci.log there");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run npm; is Node.js installed?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while installing the Kinesis engines", e);
        }
    }
}
