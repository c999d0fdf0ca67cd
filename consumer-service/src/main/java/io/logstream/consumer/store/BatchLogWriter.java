package io.logstream.consumer.store;

import io.logstream.consumer.core.LogStore;
import io.logstream.consumer.core.PendingItem;
import io.logstream.consumer.config.ResourceSettings;
import io.logstream.consumer.config.StoreSettings;
import io.logstream.consumer.core.LogContext;
import io.logstream.consumer.core.WriteBuckets;
import io.logstream.model.LogItemMapper;
import io.logstream.consumer.retry.Retrier;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;

/**
 * Writes items with BatchWriteItem: at most 25 per call, distinct keys per call (a later record with the same key
 * wins, as a replay would), the calls of a batch in parallel, unprocessed items resent with backoff. A call refused
 * as invalid is split into single puts so that only the offending items are rejected.
 */
@Singleton
public class BatchLogWriter implements LogStore {
    static final int MAX_BATCH = 25;
    private static final String DEPENDENCY = "dynamodb";

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Retrier retrier;
    private final ExecutorService writers;
    private final WriteBuckets buckets;

    public BatchLogWriter(DynamoDbClient dynamoDb, ResourceSettings resources, StoreSettings settings, Retrier retrier,
                          @Named("store-writers") ExecutorService writers, WriteBuckets buckets) {
        this.dynamoDb = dynamoDb;
        this.buckets = buckets;
        this.table = resources.table();
        this.retrier = retrier;
        this.writers = writers;
    }

    @Override
    public List<Rejected> write(List<PendingItem> items) {
        Map<String, PendingItem> distinct = new LinkedHashMap<>();
        items.forEach(item -> distinct.put(item.key(), item));
        List<PendingItem> unique = new ArrayList<>(distinct.values());
        List<CompletableFuture<List<Rejected>>> calls = new ArrayList<>();
        for (int start = 0; start < unique.size(); start += MAX_BATCH) {
            List<PendingItem> chunk = unique.subList(start, Math.min(start + MAX_BATCH, unique.size()));
            calls.add(CompletableFuture.supplyAsync(LogContext.carried(() -> writeChunk(chunk)), writers));
        }
        List<Rejected> rejected = new ArrayList<>();
        for (CompletableFuture<List<Rejected>> call : calls) {
            try {
                rejected.addAll(call.join());
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
            }
        }
        return rejected;
    }

    private List<Rejected> writeChunk(List<PendingItem> chunk) {
        List<WriteRequest> requests = chunk.stream()
                .map(item -> WriteRequest.builder().putRequest(PutRequest.builder().item(item.item()).build()).build())
                .toList();
        try {
            retrier.resend(DEPENDENCY, requests, this::attempt, BatchLogWriter::retryable, 0);
            return List.of();
        } catch (DynamoDbException e) {
            return putOneByOne(chunk); // a ValidationException: find the item DynamoDB refuses
        }
    }

    /**
     * One BatchWriteItem call. Throttled items come back unprocessed, or, when all of them are, as
     * ProvisionedThroughputExceededException (API reference, BatchWriteItem); their services are told to
     * {@link WriteBuckets#throttled}, which is what spreads a hot service over more keys. An exception counts only
     * when its ThrottlingReasons name a key range ({@code TableWriteKeyRangeThroughputExceeded},
     * {@code IndexWriteKeyRangeThroughputExceeded}): more keys do not help a table's own limit.
     */
    private List<WriteRequest> attempt(List<WriteRequest> pending) {
        List<WriteRequest> unprocessed;
        try {
            unprocessed = dynamoDb.batchWriteItem(BatchWriteItemRequest.builder().requestItems(Map.of(table, pending))
                    .build()).unprocessedItems().getOrDefault(table, List.of());
        } catch (ProvisionedThroughputExceededException e) {
            if (e.hasThrottlingReasons() && e.throttlingReasons().stream()
                    .anyMatch(reason -> reason.reason() != null && reason.reason().contains("KeyRange"))) {
                pending.forEach(this::throttled);
            }
            throw e;
        }
        unprocessed.forEach(this::throttled);
        return unprocessed;
    }

    private void throttled(WriteRequest request) {
        Map<String, AttributeValue> item = request.putRequest().item();
        buckets.throttled(item.get(LogItemMapper.SERVICE).s(), Long.parseLong(item.get(LogItemMapper.TS).n()));
    }

    private List<Rejected> putOneByOne(List<PendingItem> chunk) {
        List<Rejected> rejected = new ArrayList<>();
        for (PendingItem item : chunk) {
            try {
                retrier.call(DEPENDENCY, () -> dynamoDb.putItem(b -> b.tableName(table).item(item.item())),
                        BatchLogWriter::retryable);
            } catch (DynamoDbException e) {
                rejected.add(new Rejected(item, e.awsErrorDetails().errorMessage()));
            }
        }
        return rejected;
    }

    /** Every SDK failure is retried, except a ValidationException about the items themselves. */
    private static boolean retryable(Throwable e) {
        return e instanceof SdkException && !(e instanceof DynamoDbException d && isItemValidation(d));
    }

    /** A 400 ValidationException is about the items; a missing table or bad credentials are not. */
    private static boolean isItemValidation(DynamoDbException e) {
        return e.statusCode() == 400 && e.awsErrorDetails() != null
                && "ValidationException".equals(e.awsErrorDetails().errorCode());
    }

}
