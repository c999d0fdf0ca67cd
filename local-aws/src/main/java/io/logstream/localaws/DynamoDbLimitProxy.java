package io.logstream.localaws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * An HTTP proxy in front of DynamoDB Local that gives it the limits DynamoDB has and DynamoDB Local lacks:
 * <ul>
 *   <li><b>the per-key write limit.</b> DynamoDB serves at most about 1,000 write units a second to one partition key
 *   value, on the table and on each global secondary index an item projects into; adaptive capacity cannot raise that
 *   ceiling (DynamoDB developer guide, "Throttling resolution guide"). The proxy meters write units per key value with
 *   DynamoDB's rounding (one unit per started KB of item) through a token bucket per key, {@code limit} units a second
 *   with one second of burst. A {@code BatchWriteItem} whose items are partly over the limit returns those in
 *   {@code UnprocessedItems}; one whose items are all over it fails with
 *   {@code ProvisionedThroughputExceededException} carrying {@code ThrottlingReasons}
 *   ({@code TableWriteKeyRangeThroughputExceeded} or {@code IndexWriteKeyRangeThroughputExceeded}, as the API
 *   reference's {@code ThrottlingReason} names them). {@code PutItem} over the limit fails the same way;</li>
 *   <li><b>table-level throttling on demand</b> ({@link #throttle}): a fraction of {@code BatchWriteItem} calls answered
 *   with {@code ProvisionedThroughputExceededException}, for the chaos run.</li>
 * </ul>
 * Everything else passes through unchanged. {@link #units()} is the write units metered, per key value.
 */
public final class DynamoDbLimitProxy implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EXCEEDED = "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException";
    private static final Set<String> NOT_FORWARDED = Set.of("host", "connection", "content-length", "expect",
            "upgrade", "transfer-encoding", "keep-alive");
    /** No limit: meter only. */
    public static final double UNLIMITED = Double.POSITIVE_INFINITY;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(48);
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(8)).build();
    private final URI target;
    private final DynamoDbClient describe;
    private final double limit;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> units = new ConcurrentHashMap<>();
    /** When each item (table, partition and sort key) was first written through the proxy, in epoch millis. */
    private final Map<String, Long> firstWritten = new ConcurrentHashMap<>();
    private volatile double fraction;
    /** Calls refused whole: by {@link #throttle}, or because every item was over its key's limit. */
    public final AtomicLong throttledCalls = new AtomicLong();
    /** Query calls forwarded, and the read units DynamoDB Local said they consumed. */
    public final LongAdder queries = new LongAdder();
    public final java.util.concurrent.atomic.DoubleAdder readUnits = new java.util.concurrent.atomic.DoubleAdder();
    /** Items returned unprocessed or refused because their key was over the limit. */
    public final AtomicLong throttledItems = new AtomicLong();

    /** Why a write was throttled, as DynamoDB's {@code ThrottlingReason} says it: the reason and the resource's ARN. */
    private record Reason(String reason, String resource) {
    }

    /** The table's partition key and each GSI's, by index name. */
    private record Schema(String tableKey, String rangeKey, Map<String, String> indexKeys) {
    }

    /** A token bucket of write units for one key value: {@code limit} a second, at most one second's worth. */
    private final class Bucket {
        private double tokens = limit;
        private long last = System.nanoTime();

        synchronized boolean take(double wanted) {
            long now = System.nanoTime();
            tokens = Math.min(limit, tokens + (now - last) / 1e9 * limit);
            last = now;
            if (tokens < wanted) {
                return false;
            }
            tokens -= wanted;
            return true;
        }

        synchronized void giveBack(double amount) {
            tokens = Math.min(limit, tokens + amount);
        }
    }

    /**
     * @param aws   the engines whose DynamoDB Local this proxy fronts
     * @param limit write units a second per partition key value ({@link #UNLIMITED} to meter only); DynamoDB's is 1,000
     */
    public DynamoDbLimitProxy(LocalAws aws, double limit) throws IOException {
        this.target = aws.dynamoDbEndpoint();
        this.describe = aws.dynamoDb();
        this.limit = limit;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public double limit() {
        return limit;
    }

    /** From now on, answer this fraction (0..1) of BatchWriteItem calls with a table throttling error. */
    public void throttle(double fraction) {
        this.fraction = fraction;
    }

    /** Write units metered so far, by {@code table} or {@code table/index}, then key value. */
    public Map<String, Long> units() {
        Map<String, Long> copy = new LinkedHashMap<>();
        units.forEach((key, adder) -> copy.put(key, adder.sum()));
        return copy;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String operation = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            if ("DynamoDB_20120810.BatchWriteItem".equals(operation)) {
                if (fraction > 0 && ThreadLocalRandom.current().nextDouble() < fraction) {
                    throttledCalls.incrementAndGet();
                    refuse(exchange, "The level of configured provisioned throughput for the table was exceeded.",
                            JSON.createArrayNode());
                    return;
                }
                batchWrite(exchange, body);
            } else if ("DynamoDB_20120810.PutItem".equals(operation)) {
                putItem(exchange, body, "Item");
            } else if ("DynamoDB_20120810.UpdateItem".equals(operation)
                    || "DynamoDB_20120810.DeleteItem".equals(operation)) {
                putItem(exchange, body, "Key");
            } else if ("DynamoDB_20120810.Query".equals(operation)) {
                query(exchange, body);
            } else {
                relay(exchange, forward(exchange, body));
            }
        }
    }

    /** Admits each item whose keys have units left, forwards those, and returns the rest as unprocessed. */
    private void batchWrite(HttpExchange exchange, byte[] body) throws IOException {
        ObjectNode request = (ObjectNode) JSON.readTree(body);
        ObjectNode admitted = JSON.createObjectNode();
        ObjectNode unprocessed = JSON.createObjectNode();
        Set<Reason> reasons = new LinkedHashSet<>();
        Iterator<Map.Entry<String, JsonNode>> tables = request.path("RequestItems").fields();
        while (tables.hasNext()) {
            Map.Entry<String, JsonNode> table = tables.next();
            for (JsonNode write : table.getValue()) {
                JsonNode item = write.has("PutRequest") ? write.path("PutRequest").path("Item")
                        : write.path("DeleteRequest").path("Key");
                Reason reason = admit(table.getKey(), item, write.has("PutRequest") ? units(item) : 1);
                (reason == null ? admitted : unprocessed).withArray(table.getKey()).add(write);
                if (reason != null) {
                    reasons.add(reason);
                }
            }
        }
        if (admitted.isEmpty()) {
            throttledCalls.incrementAndGet();
            refuse(exchange, "Throughput exceeds the current capacity for one or more partition keys.",
                    reasonNodes(reasons));
            return;
        }
        if (unprocessed.isEmpty()) {
            HttpResponse<byte[]> response = forward(exchange, body);
            if (response.statusCode() == 200) {
                written(admitted, (ObjectNode) JSON.readTree(response.body()));
            }
            relay(exchange, response);
            return;
        }
        request.set("RequestItems", admitted);
        HttpResponse<byte[]> response = forward(exchange, JSON.writeValueAsBytes(request));
        if (response.statusCode() != 200) {
            relay(exchange, response);
            return;
        }
        ObjectNode answer = (ObjectNode) JSON.readTree(response.body());
        written(admitted, answer);
        ObjectNode merged = answer.has("UnprocessedItems") ? (ObjectNode) answer.get("UnprocessedItems")
                : JSON.createObjectNode();
        unprocessed.fields().forEachRemaining(table -> table.getValue().forEach(merged.withArray(table.getKey())::add));
        answer.set("UnprocessedItems", merged);
        send(exchange, 200, JSON.writeValueAsBytes(answer));
    }

    /**
     * A single-item write: a PutItem by its item's size, an UpdateItem or DeleteItem as one unit (the project's
     * updates are of items under 1 KB: catalogue, watermark, KCL's leases); the index keys an update may change are
     * not metered.
     */
    private void putItem(HttpExchange exchange, byte[] body, String itemField) throws IOException {
        JsonNode request = JSON.readTree(body);
        JsonNode item = request.path(itemField);
        Reason reason = admit(request.path("TableName").asText(), item, "Item".equals(itemField) ? units(item) : 1);
        if (reason != null) {
            throttledCalls.incrementAndGet();
            refuse(exchange, "Throughput exceeds the current capacity for one or more partition keys.",
                    reasonNodes(Set.of(reason)));
            return;
        }
        relay(exchange, forward(exchange, body));
    }

    /** A Query, forwarded asking for its consumed capacity, which is added to {@link #readUnits}. */
    private void query(HttpExchange exchange, byte[] body) throws IOException {
        ObjectNode request = (ObjectNode) JSON.readTree(body);
        request.put("ReturnConsumedCapacity", "TOTAL");
        HttpResponse<byte[]> response = forward(exchange, JSON.writeValueAsBytes(request));
        queries.increment();
        if (response.statusCode() == 200) {
            double consumed = JSON.readTree(response.body()).path("ConsumedCapacity").path("CapacityUnits").asDouble();
            readUnits.add(consumed);
        }
        relay(exchange, response);
    }

    /**
     * Notes the puts of a BatchWriteItem that DynamoDB took (those not in its answer's UnprocessedItems), at the time
     * of the answer: the first write of each item, which a replay's rewrite does not move.
     */
    private void written(ObjectNode requestItems, ObjectNode answer) {
        long now = System.currentTimeMillis();
        requestItems.fields().forEachRemaining(table -> {
            Set<String> left = new java.util.HashSet<>();
            answer.path("UnprocessedItems").path(table.getKey()).forEach(write ->
                    left.add(itemKey(table.getKey(), write.path("PutRequest").path("Item"))));
            for (JsonNode write : table.getValue()) {
                if (write.has("PutRequest")) {
                    String key = itemKey(table.getKey(), write.path("PutRequest").path("Item"));
                    if (!left.contains(key)) {
                        firstWritten.putIfAbsent(key, now);
                    }
                }
            }
        });
    }

    private String itemKey(String table, JsonNode item) {
        Schema schema = schemas.computeIfAbsent(table, this::schema);
        return table + '\u0000' + keyValue(item.path(schema.tableKey())) + '\u0000'
                + (schema.rangeKey() == null ? "" : keyValue(item.path(schema.rangeKey())));
    }

    /**
     * When the item of {@code table} with these key values was first written by a BatchWriteItem through the proxy
     * (epoch millis, at DynamoDB's answer), or null if never: a record stored, then rewritten by a replay, was there
     * from the first write on.
     */
    public Long firstWrittenAt(String table, String partitionKey, String sortKey) {
        return firstWritten.get(table + '\u0000' + partitionKey + '\u0000' + (sortKey == null ? "" : sortKey));
    }

    /** Takes the item's units from its table key and every index key it projects into; null, or why not. */
    private Reason admit(String table, JsonNode item, long itemUnits) {
        Schema schema = schemas.computeIfAbsent(table, this::schema);
        String arn = "arn:aws:dynamodb:" + LocalAws.REGION + ":000000000000:table/" + table;
        List<String> keys = new ArrayList<>();
        List<Reason> reasons = new ArrayList<>();
        keys.add(table + "\u0000" + keyValue(item.path(schema.tableKey())));
        reasons.add(new Reason("TableWriteKeyRangeThroughputExceeded", arn));
        schema.indexKeys().forEach((index, attribute) -> {
            if (item.has(attribute)) {
                keys.add(table + "/" + index + "\u0000" + keyValue(item.path(attribute)));
                reasons.add(new Reason("IndexWriteKeyRangeThroughputExceeded", arn + "/index/" + index));
            }
        });
        for (int i = 0; i < keys.size(); i++) {
            if (!buckets.computeIfAbsent(keys.get(i), k -> new Bucket()).take(itemUnits)) {
                for (int j = 0; j < i; j++) {
                    buckets.get(keys.get(j)).giveBack(itemUnits);
                }
                throttledItems.incrementAndGet();
                return reasons.get(i);
            }
        }
        keys.forEach(key -> units.computeIfAbsent(key.replace('\u0000', ' '), k -> new LongAdder()).add(itemUnits));
        return null;
    }

    private Schema schema(String table) {
        TableDescription description = describe.describeTable(b -> b.tableName(table)).table();
        String tableKey = description.keySchema().stream().filter(k -> k.keyType() == KeyType.HASH).findFirst()
                .orElseThrow().attributeName();
        Map<String, String> indexKeys = new LinkedHashMap<>();
        description.globalSecondaryIndexes().forEach(index -> index.keySchema().stream()
                .filter(k -> k.keyType() == KeyType.HASH).findFirst()
                .ifPresent(k -> indexKeys.put(index.indexName(), k.attributeName())));
        String rangeKey = description.keySchema().stream().filter(k -> k.keyType() == KeyType.RANGE).findFirst()
                .map(k -> k.attributeName()).orElse(null);
        return new Schema(tableKey, rangeKey, indexKeys);
    }

    private static String keyValue(JsonNode attribute) {
        Iterator<JsonNode> values = attribute.elements();
        return values.hasNext() ? values.next().asText() : "";
    }

    /** DynamoDB's write units for an item: one per started KB of its size, at least one. */
    static long units(JsonNode item) {
        return Math.max(1, (itemBytes(item) + 1023) / 1024);
    }

    /** An item's size as DynamoDB counts it: attribute names and values in bytes (the developer guide's rules). */
    static long itemBytes(JsonNode item) {
        long bytes = 0;
        Iterator<Map.Entry<String, JsonNode>> attributes = item.fields();
        while (attributes.hasNext()) {
            Map.Entry<String, JsonNode> attribute = attributes.next();
            bytes += utf8(attribute.getKey()) + valueBytes(attribute.getValue());
        }
        return bytes;
    }

    private static long valueBytes(JsonNode typed) {
        Map.Entry<String, JsonNode> only = typed.fields().next();
        JsonNode v = only.getValue();
        return switch (only.getKey()) {
            case "S" -> utf8(v.asText());
            case "N" -> numberBytes(v.asText());
            case "B" -> Base64.getDecoder().decode(v.asText()).length;
            case "BOOL", "NULL" -> 1;
            case "SS" -> sum(v, e -> utf8(e.asText()));
            case "NS" -> sum(v, e -> numberBytes(e.asText()));
            case "BS" -> sum(v, e -> Base64.getDecoder().decode(e.asText()).length);
            case "M" -> 3 + itemBytes(v) + v.size();
            case "L" -> 3 + sum(v, e -> valueBytes(e) + 1);
            default -> utf8(v.toString());
        };
    }

    private static long numberBytes(String number) {
        long digits = number.chars().filter(Character::isDigit).count();
        return (digits + 1) / 2 + 1;
    }

    private static long sum(JsonNode values, java.util.function.ToLongFunction<JsonNode> size) {
        long total = 0;
        for (JsonNode value : values) {
            total += size.applyAsLong(value);
        }
        return total;
    }

    private static long utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private static ArrayNode reasonNodes(Set<Reason> reasons) {
        ArrayNode nodes = JSON.createArrayNode();
        reasons.forEach(r -> nodes.addObject().put("reason", r.reason()).put("resource", r.resource()));
        return nodes;
    }

    private void refuse(HttpExchange exchange, String message, ArrayNode reasons) throws IOException {
        ObjectNode error = JSON.createObjectNode().put("__type", EXCEEDED).put("message", message);
        if (!reasons.isEmpty()) {
            error.set("ThrottlingReasons", reasons);
        }
        send(exchange, 400, JSON.writeValueAsBytes(error));
    }

    private HttpResponse<byte[]> forward(HttpExchange exchange, byte[] body) throws IOException {
        HttpRequest.Builder forward = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI()))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            // a rewritten body no longer matches the client's checksum header
            if (!NOT_FORWARDED.contains(name.toLowerCase()) && !name.equalsIgnoreCase("x-amz-crc32")) {
                values.forEach(value -> forward.header(name, value));
            }
        });
        try {
            return client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while forwarding", e);
        }
    }

    private static void relay(HttpExchange exchange, HttpResponse<byte[]> response) throws IOException {
        response.headers().map().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase()) && !name.startsWith(":")) {
                exchange.getResponseHeaders().put(name, List.copyOf(values));
            }
        });
        byte[] answer = response.body();
        exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
        if (answer.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        }
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
