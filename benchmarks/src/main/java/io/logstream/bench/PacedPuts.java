package io.logstream.bench;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Load at a steady rate: {@code rate} records a second for {@code seconds}, in 20 PutRecords calls a second on one
 * thread, each record's partition key its number. A call that falls behind is made at once, so the rate is kept on
 * average while the stream keeps up.
 */
final class PacedPuts {
    private static final int TICKS_PER_SECOND = 20;
    private static final long TICK_NANOS = 1_000_000_000L / TICKS_PER_SECOND;

    /** Record {@code n}'s data, put at {@code putAtMillis} (the call's wall-clock time). */
    interface Payload {
        byte[] of(long n, long putAtMillis);
    }

    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private volatile boolean done;

    private PacedPuts(KinesisClient kinesis, String stream, int rate, int seconds, Payload payload) {
        thread = new Thread(() -> {
            int perTick = Math.max(1, rate / TICKS_PER_SECOND);
            long start = System.nanoTime();
            for (long tick = 0; tick < (long) seconds * TICKS_PER_SECOND; tick++) {
                long wait = start + tick * TICK_NANOS - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                long putAt = System.currentTimeMillis();
                List<PutRecordsRequestEntry> entries = new ArrayList<>(perTick);
                for (int i = 0; i < perTick; i++) {
                    long n = tick * perTick + i;
                    entries.add(PutRecordsRequestEntry.builder().data(SdkBytes.fromByteArray(payload.of(n, putAt)))
                            .partitionKey(Long.toString(n)).build());
                }
                Puts.putAll(kinesis, stream, entries);
                sent.addAndGet(perTick);
            }
            done = true;
        }, "load");
        thread.start();
    }

    static PacedPuts start(KinesisClient kinesis, String stream, int rate, int seconds, Payload payload) {
        return new PacedPuts(kinesis, stream, rate, seconds, payload);
    }

    boolean running() {
        return !done;
    }

    /** Waits for the last call; the number of records put. */
    long await() throws InterruptedException {
        thread.join();
        return sent.get();
    }
}
