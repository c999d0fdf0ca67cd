package io.logstream.consumer.ingest;

import jakarta.inject.Singleton;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.processor.ShardRecordProcessorFactory;

/** Gives KCL one {@link LogRecordProcessor} per shard lease. */
@Singleton
public class LogRecordProcessorFactory implements ShardRecordProcessorFactory {
    private final ShardServices services;
    private final ShardWatermark.Policy watermarks;
    private final CountSettlement.Policy settlements;

    LogRecordProcessorFactory(ShardServices services, ShardWatermark.Policy watermarks,
                              CountSettlement.Policy settlements) {
        this.services = services;
        this.watermarks = watermarks;
        this.settlements = settlements;
    }

    @Override
    public ShardRecordProcessor shardRecordProcessor() {
        return new LogRecordProcessor(services, watermarks, settlements);
    }
}
