package io.logstream.consumer.ingest;

import jakarta.inject.Singleton;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.kinesis.model.GetRecordsRequest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The GetRecords calls of the Kinesis client, each noted by when it started and ended ({@link FetchStarts}). It is an
 * SDK interceptor on KCL's Kinesis client: the start is taken before the request is signed and sent, so it precedes
 * whatever Kinesis answered, retries included. Calls that ended more than {@link #KEPT} ago are forgotten.
 */
@Singleton
public class GetRecordsCalls implements ExecutionInterceptor, FetchStarts {
    static final Duration KEPT = Duration.ofMinutes(2);
    private static final ExecutionAttribute<Long> STARTED = new ExecutionAttribute<>("log-stream.getRecordsStarted");

    private final Clock clock;
    /** Ended at (epoch millis, with a counter below it for ties) to started at (epoch millis). */
    private final ConcurrentSkipListMap<Long, Long> calls = new ConcurrentSkipListMap<>();
    private final AtomicLong tie = new AtomicLong();
    /** The latest end of a call forgotten; a window that reaches back before it cannot be answered. */
    private final AtomicLong forgottenThrough = new AtomicLong(Long.MIN_VALUE);

    public GetRecordsCalls(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (context.request() instanceof GetRecordsRequest) {
            attributes.putAttribute(STARTED, clock.millis());
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        Long started = attributes.getAttribute(STARTED);
        if (started != null) {
            ended(started, clock.millis());
        }
    }

    /** Notes a call made from {@code startedAt} to {@code endedAt} (epoch millis). */
    void ended(long startedAt, long endedAt) {
        calls.put(endedAt * 1024 + (tie.getAndIncrement() & 1023), startedAt);
        long cutoff = (endedAt - KEPT.toMillis()) * 1024;
        Map.Entry<Long, Long> oldest;
        while ((oldest = calls.firstEntry()) != null && oldest.getKey() < cutoff) {
            // said before it is done, so that a reader that misses the call also sees that it is gone
            // raised atomically: calls end on several SDK threads at once, and it must never go back
            forgottenThrough.accumulateAndGet(oldest.getKey() / 1024, Math::max);
            calls.remove(oldest.getKey(), oldest.getValue());
        }
    }

    /**
     * The earliest start among the calls that ended after {@code previous} and by {@code received}: the shard's own
     * call is one of them (it started after {@code previous} and ended before KCL stamped {@code received}), and other
     * shards' calls only make the answer earlier.
     */
    @Override
    public Optional<Instant> madeBy(Instant previous, Instant received) {
        if (previous == null) {
            return Optional.empty();
        }
        // ends are compared in whole milliseconds: a call that ended in the millisecond of previous is included
        NavigableMap<Long, Long> window = calls.subMap(previous.toEpochMilli() * 1024, true,
                received.toEpochMilli() * 1024 + 1023, true);
        Optional<Long> earliest = window.values().stream().min(Long::compare);
        if (previous.toEpochMilli() <= forgottenThrough.get()) {
            return Optional.empty(); // read after the window: a call forgotten meanwhile may have been this batch's
        }
        return earliest.map(Instant::ofEpochMilli);
    }
}
