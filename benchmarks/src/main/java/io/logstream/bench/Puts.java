package io.logstream.bench;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

import java.util.ArrayList;
import java.util.List;

/** PutRecords for the benchmarks: every entry goes in, however often the stream refuses some or a call fails. */
final class Puts {
    private static final Logger LOG = LoggerFactory.getLogger("bench");

    /** What to do with an entry once the stream has taken it: its index in the list given, and its result. */
    interface Accepted {
        void accept(int index, PutRecordsResultEntry result);
    }

    private Puts() {
    }

    static void putAll(KinesisClient kinesis, String stream, List<PutRecordsRequestEntry> entries) {
        putAll(kinesis, stream, entries, (index, result) -> { });
    }

    /** Resends the entries refused until all are in; a call that fails is retried after 500 ms. */
    static void putAll(KinesisClient kinesis, String stream, List<PutRecordsRequestEntry> entries, Accepted accepted) {
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            pending.add(i);
        }
        while (!pending.isEmpty()) {
            List<PutRecordsRequestEntry> current = pending.stream().map(entries::get).toList();
            List<PutRecordsResultEntry> results;
            try {
                results = kinesis.putRecords(b -> b.streamName(stream).records(current)).records();
            } catch (RuntimeException e) {
                LOG.warn("put failed, retrying: {}", e.toString());
                pause();
                continue;
            }
            List<Integer> refused = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i).errorCode() != null) {
                    refused.add(pending.get(i));
                } else {
                    accepted.accept(pending.get(i), results.get(i));
                }
            }
            pending = refused;
        }
    }

    private static void pause() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while putting", e);
        }
    }
}
