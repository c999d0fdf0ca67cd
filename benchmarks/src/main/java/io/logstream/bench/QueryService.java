package io.logstream.bench;

import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LocalIdentity;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** query-service's jar in its own JVM (512 MB heap) against the local engines, on a free port. */
record QueryService(Process process, int port) {

    /**
     * Starts it reading {@code table} with tokens of {@code identity}, the {@code options} (-D or -X) added, its output
     * to {@code log}; returns once /health answers.
     */
    static QueryService start(Path root, LocalAws aws, LocalIdentity identity, String table, List<String> options,
                              Path log) throws Exception {
        int port = ConsumerProcess.freePort();
        List<String> command = new ArrayList<>(List.of(ConsumerProcess.java(), "-Xmx512m"));
        command.addAll(options);
        command.addAll(ServiceOptions.endpoints(aws));
        command.addAll(ServiceOptions.queryService(identity, table, port));
        command.addAll(List.of("-jar", root.resolve("query-service/target/query-service-0.1.0-all.jar").toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        ConsumerProcess.awaitHealthy(URI.create("http://127.0.0.1:" + port + "/health"));
        return new QueryService(process, port);
    }
}
