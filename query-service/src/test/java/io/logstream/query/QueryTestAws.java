package io.logstream.query;

import io.logstream.localaws.LocalAws;

/** One set of local engines per test JVM. */
public final class QueryTestAws {
    private static LocalAws aws;

    private QueryTestAws() {
    }

    public static synchronized LocalAws get() {
        if (aws == null) {
            aws = LocalAws.start();
        }
        return aws;
    }
}
