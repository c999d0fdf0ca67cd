package io.logstream.producer;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * PutRecords in batches of at most 500 records and 5 MB; entries that fail (throttling, internal errors) are resent,
 * alone, with exponential backoff and full jitter, up to {@code maxAttempts} times.
 */
public final class BatchSender {
    public static final int MAX_RECORDS = 500;
    public static final int MAX_BYTES = 5 * 1024 * 1024;
    /** Kinesis counts the partition key towards the 5 MB too. */
    private static final int PARTITION_KEY_BYTES = 36;

    private final KinesisClient kinesis;
    private final String stream;
    private final int maxAttempts;
    private final List<PutRecordsRequestEntry> pending = new ArrayList<>();
    private int pendingBytes;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong retried = new AtomicLong();

    public BatchSender(KinesisClient kinesis, String stream, int maxAttempts) {
        this.kinesis = kinesis;
        this.stream = stream;
        this.maxAttempts = maxAttempts;
    }

    public void add(byte[] data) {
        int size = data.length + PARTITION_KEY_BYTES;
        if (!pending.isEmpty() && (pending.size() == MAX_RECORDS || pendingBytes + size > MAX_BYTES)) {
            flush();
        }
        pending.add(PutRecordsRequestEntry.builder().data(SdkBytes.fromByteArray(data))
                .partitionKey(UUID.randomUUID().toString()).build());
        pendingBytes += size;
    }

    public void flush() {
        if (pending.isEmpty()) {
            return;
        }
        List<PutRecordsRequestEntry> batch = new ArrayList<>(pending);
        pending.clear();
        pendingBytes = 0;
        send(batch);
    }

    private void send(List<PutRecordsRequestEntry> batch) {
        List<PutRecordsRequestEntry> toSend = batch;
        for (int attempt = 0; attempt < maxAttempts && !toSend.isEmpty(); attempt++) {
            if (attempt > 0) {
                retried.addAndGet(toSend.size());
                sleep(attempt);
            }
            try {
                List<PutRecordsRequestEntry> current = toSend;
                PutRecordsResponse response = kinesis.putRecords(b -> b.streamName(stream).records(current));
                List<PutRecordsRequestEntry> failedEntries = new ArrayList<>();
                List<PutRecordsResultEntry> results = response.records();
                for (int i = 0; i < current.size(); i++) {
                    if (results.get(i).errorCode() != null) {
                        failedEntries.add(current.get(i));
                    }
                }
                sent.addAndGet(current.size() - failedEntries.size());
                toSend = failedEntries;
            } catch (SdkException e) {
                if (attempt == maxAttempts - 1) {
                    break;
                }
            }
        }
        failed.addAndGet(toSend.size());
    }

    private static void sleep(int attempt) {
        long ceiling = Math.min(5_000, 50L << Math.min(attempt, 10));
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(ceiling + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
