package io.logstream.consumer.ingest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.kinesis.leases.Lease;
import software.amazon.kinesis.leases.LeaseRefresher;
import software.amazon.kinesis.leases.exceptions.DependencyException;
import software.amazon.kinesis.leases.exceptions.InvalidStateException;
import software.amazon.kinesis.leases.exceptions.ProvisionedThroughputException;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Gives up this worker's leases once a graceful shutdown has checkpointed them: a workaround for KCL 3.5.1, which
 * writes KCL's lease table directly (awslabs/amazon-kinesis-client#1452). After a graceful shutdown KCL leaves the
 * worker the owner of its leases until they expire (the failover time), and its WorkerMetricStats entry valid until it
 * ages out, so the leader's LeaseAssignmentManager neither reassigns the leases at once nor stops handing leases to the
 * gone worker: a survivor or a restarted worker waited 10-50 s for them. Every lease is checkpointed at this point, so
 * giving both up is safe: the metrics entry goes first (so no lease is assigned back here), then each lease is evicted
 * (its owner cleared, or its checkpoint owner when KCL was handing it over), conditionally on it not having moved.
 */
final class LeaseHandOver {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseHandOver.class);

    private LeaseHandOver() {
    }

    static void handOver(DynamoDbAsyncClient dynamoDb, LeaseRefresher leases, String applicationName, String workerId) {
        // KCL 3.5 keeps the entry in the lease table under leaseKey = worker id (a 2.x-migrated application may
        // still have it in <application>-WorkerMetricStats under wid); only a metrics item has "lut"
        try {
            dynamoDb.deleteItem(b -> b.tableName(applicationName)
                    .key(Map.of("leaseKey", AttributeValue.fromS(workerId)))
                    .conditionExpression("attribute_exists(lut)")).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("could not remove this worker's metrics entry; the leader ignores it once it ages out: {}",
                    e.toString());
        }
        try {
            int released = 0;
            for (Lease lease : leases.listLeases()) {
                // a lease whose graceful hand-off to another worker this shutdown interrupted names this worker as its
                // checkpoint owner; evicting clears that, so the new owner starts without waiting for expiry
                boolean ours = workerId.equals(lease.leaseOwner()) || workerId.equals(lease.checkpointOwner());
                if (ours && leases.evictLease(lease)) {
                    released++;
                }
            }
            LOG.info("released {} leases for the next owner", released);
        } catch (DependencyException | InvalidStateException | ProvisionedThroughputException e) {
            LOG.warn("could not release the leases; they expire after the failover time: {}", e.toString());
        }
    }
}
