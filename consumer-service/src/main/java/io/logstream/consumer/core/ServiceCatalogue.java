package io.logstream.consumer.core;

import io.logstream.model.LogRecord;

import java.util.List;

/**
 * The services (and hosts) the pipeline has stored records for, kept where query-service can list them without a
 * scan. Cheap by contract: at most one write per name per interval.
 */
public interface ServiceCatalogue {
    /** Notes the services and hosts of stored records; returns when the catalogue holds them. */
    void seen(List<LogRecord> stored);
}
