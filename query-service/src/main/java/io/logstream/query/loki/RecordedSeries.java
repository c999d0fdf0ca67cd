package io.logstream.query.loki;

import io.logstream.query.logql.LogQl;
import io.logstream.query.store.ReadBudget;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;

/** What recording rules recorded, read back for a query that names one ({@code name{matchers}}). */
public interface RecordedSeries {
    /** The recorded series at {@code instants} (epoch nanoseconds, ascending) the caller may read. */
    MetricEvaluator.Result evaluate(LogQl.Recorded recorded, long[] instants, @Nullable Authentication auth,
                                    ReadBudget budget);
}
