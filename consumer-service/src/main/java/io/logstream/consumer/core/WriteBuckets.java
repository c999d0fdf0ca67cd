package io.logstream.consumer.core;

import io.logstream.model.LogRecord;

/**
 * Which partition key ("bucket", {@link io.logstream.model.Buckets}) each record is written under, and the heat that
 * makes a service spread over more of them. Every worker reads the same append-only bucket table, so they agree.
 */
public interface WriteBuckets {
    /**
     * Makes sure the bucket table is known for every record that arrived up to {@code arrivalMillis}, reading it again
     * (and retrying until it can) if need be. Called once per batch, before {@link #bucketOf}.
     */
    void cover(long arrivalMillis);

    /** The record's bucket: a pure function of the record, its arrival and the bucket table. */
    int bucketOf(LogRecord record, long arrivalMillis);

    /** {@code units} write units were spent on a record of {@code service} with time {@code ts}. */
    void written(String service, long ts, int units);

    /** DynamoDB throttled the write of a record of {@code service} with time {@code ts}. */
    void throttled(String service, long ts);

    /** One bucket for every service: the key scheme without write sharding. */
    WriteBuckets NONE = new WriteBuckets() {
        @Override
        public void cover(long arrivalMillis) {
        }

        @Override
        public int bucketOf(LogRecord record, long arrivalMillis) {
            return 0;
        }

        @Override
        public void written(String service, long ts, int units) {
        }

        @Override
        public void throttled(String service, long ts) {
        }
    };
}
