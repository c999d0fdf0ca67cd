package software.amazon.kinesis.coordinator;

import software.amazon.kinesis.checkpoint.CheckpointConfig;
import software.amazon.kinesis.leases.LeaseManagementConfig;
import software.amazon.kinesis.leases.exceptions.DependencyException;
import software.amazon.kinesis.leases.exceptions.InvalidStateException;
import software.amazon.kinesis.leases.exceptions.ProvisionedThroughputException;
import software.amazon.kinesis.lifecycle.LifecycleConfig;
import software.amazon.kinesis.metrics.MetricsConfig;
import software.amazon.kinesis.processor.ProcessorConfig;
import software.amazon.kinesis.retrieval.RetrievalConfig;

/**
 * KCL's scheduler without its hard-coded random 1-30 s wait while the lease table is empty (a guard against many
 * workers syncing shards at once, which a test's one or two workers do not need). Lives in KCL's package because the
 * method is package-private; used only by tests.
 */
public class FastStartScheduler extends Scheduler {
    public FastStartScheduler(CheckpointConfig checkpoint, CoordinatorConfig coordinator, LeaseManagementConfig leases,
                              LifecycleConfig lifecycle, MetricsConfig metrics, ProcessorConfig processor,
                              RetrievalConfig retrieval) {
        super(checkpoint, coordinator, leases, lifecycle, metrics, processor, retrieval);
    }

    @Override
    boolean shouldInitiateLeaseSync() throws DependencyException, ProvisionedThroughputException,
            InvalidStateException {
        return leaseCoordinator().leaseRefresher().isLeaseTableEmpty();
    }
}
