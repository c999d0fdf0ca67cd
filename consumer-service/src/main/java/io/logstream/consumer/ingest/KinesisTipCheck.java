package io.logstream.consumer.ingest;

import io.logstream.consumer.config.ResourceSettings;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@link TipCheck} with one {@code GetShardIterator} and one {@code GetRecords} of at most one record, each bounded by
 * a 2 s wait. The processor asks at most once per watermark interval and only for an idle shard read with fan-out, so
 * it costs at most 2 calls a second of the shard's 5 a second of each.
 */
@Singleton
public class KinesisTipCheck implements TipCheck {
    private static final Logger LOG = LoggerFactory.getLogger(KinesisTipCheck.class);
    private static final long WAIT_MILLIS = 2_000;

    private final KinesisAsyncClient kinesis;
    private final String stream;

    public KinesisTipCheck(KinesisAsyncClient kinesis, ResourceSettings resources) {
        this.kinesis = kinesis;
        this.stream = resources.stream();
    }

    @Override
    public Optional<Instant> emptyAfter(String shardId, String after, Instant startedAt) {
        GetShardIteratorRequest.Builder iterator = GetShardIteratorRequest.builder().streamName(stream).shardId(shardId);
        if (after != null && after.chars().allMatch(Character::isDigit) && !after.isEmpty()) {
            iterator.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).startingSequenceNumber(after);
        } else if ("TRIM_HORIZON".equals(after)) {
            iterator.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
        } else {
            iterator.shardIteratorType(ShardIteratorType.AT_TIMESTAMP).timestamp(startedAt);
        }
        try {
            String position = kinesis.getShardIterator(iterator.build()).get(WAIT_MILLIS, TimeUnit.MILLISECONDS)
                    .shardIterator();
            // the time it was asked, not answered: a busy engine can hold an answer for seconds after making it
            Instant askedAt = Instant.now();
            GetRecordsResponse answer = kinesis.getRecords(b -> b.shardIterator(position).limit(1))
                    .get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            boolean open = answer.nextShardIterator() != null
                    && (answer.childShards() == null || answer.childShards().isEmpty());
            boolean caughtUp = answer.millisBehindLatest() != null && answer.millisBehindLatest() == 0;
            return answer.records().isEmpty() && open && caughtUp ? Optional.of(askedAt) : Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            LOG.debug("tip check of {} failed; the watermark waits for the next one", shardId, e);
            return Optional.empty();
        }
    }
}
