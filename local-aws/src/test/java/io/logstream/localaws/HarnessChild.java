package io.logstream.localaws;

import java.nio.file.Files;
import java.nio.file.Path;

/** Run in a child JVM by {@link LocalAwsTest}: starts a Kinesis engine, prints its PID, then waits to be killed. */
public final class HarnessChild {
    private HarnessChild() {
    }

    public static void main(String[] args) throws Exception {
        Path log = Files.createTempFile("engine", ".log");
        KinesisEngine engine = KinesisEngine.start(KinesisEngine.Kind.KINESIS_MOCK, log);
        System.out.println("PID=" + engine.pid());
        System.out.flush();
        Thread.sleep(120_000);
    }
}
