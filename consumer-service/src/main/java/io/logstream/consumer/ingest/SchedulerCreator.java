package io.logstream.consumer.ingest;

import software.amazon.kinesis.checkpoint.CheckpointConfig;
import software.amazon.kinesis.coordinator.CoordinatorConfig;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.leases.LeaseManagementConfig;
import software.amazon.kinesis.lifecycle.LifecycleConfig;
import software.amazon.kinesis.metrics.MetricsConfig;
import software.amazon.kinesis.processor.ProcessorConfig;
import software.amazon.kinesis.retrieval.RetrievalConfig;

/** Constructs the KCL {@link Scheduler} from its configs; a bean so that tests can start a faster one. */
@FunctionalInterface
public interface SchedulerCreator {
    Scheduler create(CheckpointConfig checkpoint, CoordinatorConfig coordinator, LeaseManagementConfig leaseManagement,
                     LifecycleConfig lifecycle, MetricsConfig metrics, ProcessorConfig processor,
                     RetrievalConfig retrieval);
}
