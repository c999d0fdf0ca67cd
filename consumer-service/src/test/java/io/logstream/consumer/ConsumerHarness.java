package io.logstream.consumer;

import io.logstream.localaws.LogPayload;
import io.logstream.consumer.ingest.ShardRegistry;
import io.logstream.localaws.AwsEngines;
import io.logstream.localaws.ConsumerProperties;
import io.logstream.localaws.LocalAws;
import io.logstream.model.Counts;
import io.logstream.model.LedgerKeys;
import io.logstream.model.DeadLetter;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.sqs.model.Message;

import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stream, a logs table, a dead-letter queue and an application name of a test's own on a set of AWS-compatible
 * engines (the shared local engines, or LocalStack), and the consumer-service instances started against them.
 */
public final class ConsumerHarness<E extends AwsEngines> implements AutoCloseable {
    public final E aws;
    public final String stream;
    public final String table;
    public final String applicationName;
    public final String queueUrl;
    public final String eventBus;
    private final List<ApplicationContext> consumers = new CopyOnWriteArrayList<>();
    private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();

    /** A pipeline on the shared local engines. */
    public static ConsumerHarness<LocalAws> local(int shards) {
        return new ConsumerHarness<>(LocalAws.shared(), shards);
    }

    public ConsumerHarness(E aws, int shards) {
        this.aws = aws;
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        stream = "stream-" + suffix;
        table = "logs-" + suffix;
        applicationName = "app-" + suffix;
        eventBus = "bus-" + suffix;
        aws.createStream(stream, shards);
        aws.createLogsTable(table);
        aws.createLeaseTable(applicationName);
        queueUrl = aws.createQueue("dlq-" + suffix);
    }

    /** Configuration of a consumer on this pipeline, KCL tuned to start and hand over in seconds. */
    public Map<String, Object> properties(String applicationName) {
        Map<String, Object> properties = new LinkedHashMap<>(aws.serviceProperties());
        properties.put("micronaut.server.port", -1);
        properties.put("endpoints.health.details-visible", "ANONYMOUS");
        properties.putAll(ConsumerProperties.wiring(stream, applicationName, table, queueUrl));
        properties.put(ConsumerProperties.EVENT_BUS, eventBus);
        properties.putAll(ConsumerProperties.fastForTests());
        return properties;
    }

    public ApplicationContext startConsumer() {
        return startConsumer(Map.of());
    }

    public ApplicationContext startConsumer(Map<String, Object> overrides) {
        Map<String, Object> properties = properties(applicationName);
        properties.putAll(overrides);
        ApplicationContext context = ApplicationContext.builder().properties(properties).start();
        context.getBean(EmbeddedServer.class).start();
        consumers.add(context);
        return context;
    }

    public static URI baseUrl(ApplicationContext consumer) {
        return consumer.getBean(EmbeddedServer.class).getURI();
    }

    public static java.util.Set<String> ownedShards(ApplicationContext consumer) {
        return consumer.getBean(ShardRegistry.class).owned();
    }

    public void stop(ApplicationContext consumer) {
        consumers.remove(consumer);
        consumer.close();
    }

    /** Puts records (a random partition key each unless given) and returns where each landed, in order. */
    public List<PutRecordsResultEntry> put(List<byte[]> payloads, String partitionKey) {
        List<PutRecordsResultEntry> results = new ArrayList<>();
        for (int start = 0; start < payloads.size(); start += 500) {
            List<PutRecordsRequestEntry> entries = new ArrayList<>();
            for (byte[] payload : payloads.subList(start, Math.min(payloads.size(), start + 500))) {
                entries.add(PutRecordsRequestEntry.builder().data(SdkBytes.fromByteArray(payload))
                        .partitionKey(partitionKey != null ? partitionKey : UUID.randomUUID().toString()).build());
            }
            PutRecordsResponse response = aws.kinesis().putRecords(b -> b.streamName(stream).records(entries));
            if (response.failedRecordCount() != null && response.failedRecordCount() > 0) {
                throw new IllegalStateException("put failed for " + response.failedRecordCount() + " records");
            }
            results.addAll(response.records());
        }
        return results;
    }

    public List<PutRecordsResultEntry> putJson(List<String> json) {
        return put(json.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList(), null);
    }

    /** {@code count} valid INFO..FATAL records of services {@code <prefix>-0..4}, each with a unique message. */
    public static List<String> validRecords(String prefix, int count, String level) {
        List<String> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(LogPayload.of(prefix + "-" + (i % 5)).level(level)
                    .message(prefix + " message " + i + " " + UUID.randomUUID()).json());
        }
        return records;
    }

    /** Items whose service starts with {@code prefix-}. */
    public List<Map<String, AttributeValue>> itemsOf(String prefix) {
        return items().stream().filter(item -> item.get("pk").s().startsWith(prefix + "-")).toList();
    }

    /** The highest sequence number put to each shard. */
    public static Map<String, BigInteger> lastSequencePerShard(List<PutRecordsResultEntry> results) {
        Map<String, BigInteger> last = new HashMap<>();
        results.forEach(r -> last.merge(r.shardId(), new BigInteger(r.sequenceNumber()), BigInteger::max));
        return last;
    }

    /** True when the application's checkpoint of every given shard is at or past the given sequence number. */
    public boolean checkpointedThrough(String applicationName, Map<String, BigInteger> sequencePerShard) {
        Map<String, String> checkpoints = checkpoints(applicationName);
        return sequencePerShard.entrySet().stream().allMatch(e -> reached(checkpoints.get(e.getKey()), e.getValue()));
    }

    /** True when no checkpoint of the given shards has reached the given sequence number. */
    public boolean checkpointedBefore(String applicationName, Map<String, BigInteger> sequencePerShard) {
        Map<String, String> checkpoints = checkpoints(applicationName);
        return sequencePerShard.entrySet().stream().noneMatch(e -> reached(checkpoints.get(e.getKey()), e.getValue()));
    }

    private static boolean reached(String checkpoint, BigInteger sequence) {
        return checkpoint != null && checkpoint.matches("\\d+") && new BigInteger(checkpoint).compareTo(sequence) >= 0;
    }

    /** The stored records' items, without the catalogue's and the watermark's bookkeeping items. */
    public List<Map<String, AttributeValue>> items() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        aws.dynamoDb().scanPaginator(ScanRequest.builder().tableName(table).consistentRead(true).build())
                .items().forEach(item -> {
                    if (!LedgerKeys.isBookkeeping(item.get("pk").s())) {
                        items.add(item);
                    }
                });
        return items;
    }

    /** Records and bytes per service and level, as the count items hold them (summed over minutes and shards). */
    public Map<String, Counts.Tally> counts() {
        Map<String, Counts.Tally> counts = new java.util.TreeMap<>();
        aws.dynamoDb().scanPaginator(ScanRequest.builder().tableName(table).consistentRead(true).build())
                .items().forEach(item -> {
                    String pk = item.get("pk").s();
                    if (pk.startsWith(Counts.LEVELS_PREFIX)) {
                        counts.computeIfAbsent(pk.substring(Counts.LEVELS_PREFIX.length()), s -> new Counts.Tally())
                                .add(Counts.levelsOf(item));
                    } else if (pk.startsWith(Counts.HOSTS_PREFIX)) {
                        String service = pk.substring(Counts.HOSTS_PREFIX.length());
                        Counts.hostsOf(item).forEach((host, tally) -> counts.computeIfAbsent(service + "@" + host,
                                s -> new Counts.Tally()).add(tally));
                    }
                });
        return counts;
    }

    /** The same, counted from the stored records: what {@link #counts} must equal. */
    public Map<String, Counts.Tally> storedCounts() {
        Map<String, Counts.Tally> counts = new java.util.TreeMap<>();
        for (Map<String, AttributeValue> item : items()) {
            io.logstream.model.LogRecord record = io.logstream.model.LogItemMapper.fromItem(item);
            long bytes = Counts.lineBytes(record);
            counts.computeIfAbsent(record.service(), s -> new Counts.Tally()).add(record.level(), 1, bytes);
            if (record.host() != null && !record.host().isEmpty()) {
                counts.computeIfAbsent(record.service() + "@" + record.host(), s -> new Counts.Tally())
                        .add(record.level(), 1, bytes);
            }
        }
        return counts;
    }

    public int itemCount() {
        return items().size();
    }

    /** Every dead letter received so far (each SQS message is read once and kept here). */
    public List<DeadLetter> deadLetters() {
        while (true) {
            List<Message> messages = aws.sqs().receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(0)).messages();
            if (messages.isEmpty()) {
                return List.copyOf(deadLetters);
            }
            for (Message message : messages) {
                deadLetters.add(DeadLetter.fromJson(message.body()));
                aws.sqs().deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
            }
        }
    }

    /** Checkpoint per shard, from KCL's lease table (read directly, whatever the consumer can reach). */
    public Map<String, String> checkpoints(String applicationName) {
        return shardLeaseAttribute(applicationName, "checkpoint");
    }

    /** Lease owner per shard. */
    public Map<String, String> leaseOwners(String applicationName) {
        return shardLeaseAttribute(applicationName, "leaseOwner");
    }

    private Map<String, String> shardLeaseAttribute(String applicationName, String attribute) {
        Map<String, String> values = new HashMap<>();
        aws.dynamoDb().scanPaginator(ScanRequest.builder().tableName(applicationName).consistentRead(true).build())
                .items().forEach(item -> {
                    String key = item.get("leaseKey").s();
                    if (key.startsWith("shardId-") && item.containsKey(attribute)) {
                        values.put(key, item.get(attribute).s());
                    }
                });
        return values;
    }

    @Override
    public void close() {
        consumers.forEach(ApplicationContext::close);
        consumers.clear();
        if (aws instanceof LocalAws local) {
            local.eventBridge().recover();
        }
    }
}
