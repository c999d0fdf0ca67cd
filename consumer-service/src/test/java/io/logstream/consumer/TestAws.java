package io.logstream.consumer;

import io.logstream.localaws.LocalAws;

/** One set of local AWS engines per test JVM, shared by every test class; names per test keep them apart. */
public final class TestAws {
    private static LocalAws aws;

    private TestAws() {
    }

    public static synchronized LocalAws get() {
        if (aws == null) {
            aws = LocalAws.start();
        }
        return aws;
    }
}
