package io.logstream.consumer.ingest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.kinesis.common.HashKeyRangeForLease;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.leases.Lease;
import software.amazon.kinesis.leases.LeaseRefresher;
import software.amazon.kinesis.retrieval.kpl.ExtendedSequenceNumber;

import java.util.ArrayList;
import java.util.List;

/**
 * Gives a brand-new application its leases before KCL starts. With an empty lease table KCL's scheduler first waits
 * a random 1-30 s, re-checking every 3 s whether another worker has filled the table (Scheduler.shouldInitiateLeaseSync
 * in KCL 3.5.1, MIN/MAX_WAIT_TIME_FOR_LEASE_TABLE_CHECK_MILLIS), to keep a fleet starting at once from syncing
 * together. A table that is no longer empty ends that wait at once.
 *
 * <p>Only the simple case is seeded: every shard of the stream open and without parents (a stream never resharded),
 * where KCL's own shard sync would create exactly one lease per shard at the initial position. Any other stream is
 * left to KCL, whose hierarchical shard sync knows the parent/child rules. Creation is conditional
 * (createLeaseIfNotExists), so workers starting together, or KCL's own sync afterwards, do not conflict.
 */
final class LeaseTableSeeder {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseTableSeeder.class);

    private LeaseTableSeeder() {
    }

    static void seedIfEmpty(LeaseRefresher leases, KinesisAsyncClient kinesis, String stream,
                            InitialPositionInStream position) {
        try {
            if (!leases.leaseTableExists() || !leases.isLeaseTableEmpty()) {
                return;
            }
            List<Shard> shards = listShards(kinesis, stream);
            boolean simple = shards.stream().allMatch(shard -> shard.parentShardId() == null
                    && shard.adjacentParentShardId() == null
                    && shard.sequenceNumberRange().endingSequenceNumber() == null);
            if (shards.isEmpty() || !simple) {
                LOG.info("lease table empty and the stream was resharded; leaving the first shard sync to KCL");
                return;
            }
            ExtendedSequenceNumber checkpoint = switch (position) {
                case LATEST -> ExtendedSequenceNumber.LATEST;
                case TRIM_HORIZON -> ExtendedSequenceNumber.TRIM_HORIZON;
                case AT_TIMESTAMP -> ExtendedSequenceNumber.AT_TIMESTAMP;
            };
            int created = 0;
            for (Shard shard : shards) {
                Lease lease = new Lease();
                lease.leaseKey(shard.shardId());
                lease.parentShardIds(List.of());
                lease.checkpoint(checkpoint);
                lease.ownerSwitchesSinceCheckpoint(0L);
                lease.hashKeyRange(HashKeyRangeForLease.fromHashKeyRange(shard.hashKeyRange()));
                if (leases.createLeaseIfNotExists(lease)) {
                    created++;
                }
            }
            LOG.info("new application: created {} leases at {} for the {} shards of {}", created, position,
                    shards.size(), stream);
        } catch (Exception e) {
            // KCL's own shard sync will create the leases, after its random wait
            LOG.warn("could not seed the lease table: {}", e.toString());
        }
    }

    private static List<Shard> listShards(KinesisAsyncClient kinesis, String stream) throws Exception {
        List<Shard> shards = new ArrayList<>();
        String token = null;
        do {
            String next = token;
            ListShardsResponse page = kinesis.listShards(b -> {
                if (next == null) {
                    b.streamName(stream);
                } else {
                    b.nextToken(next);
                }
            }).get();
            shards.addAll(page.shards());
            token = page.nextToken();
        } while (token != null);
        return shards;
    }
}
