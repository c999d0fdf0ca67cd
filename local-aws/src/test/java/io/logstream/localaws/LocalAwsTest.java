package io.logstream.localaws;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.EventBridgeException;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalAwsTest {
    private static LocalAws aws;

    @BeforeAll
    static void start() {
        aws = LocalAws.start();
    }

    @AfterAll
    static void stop() {
        aws.close();
    }

    @Test
    void kinesisStreamTakesAndReturnsRecords() {
        aws.createStream("harness-stream", 2);
        aws.kinesis().putRecord(b -> b.streamName("harness-stream").partitionKey("k")
                .data(SdkBytes.fromUtf8String("hello")));
        List<String> data = new java.util.ArrayList<>();
        aws.kinesis().listShards(b -> b.streamName("harness-stream")).shards().forEach(shard -> {
            String iterator = aws.kinesis().getShardIterator(b -> b.streamName("harness-stream")
                    .shardId(shard.shardId()).shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            aws.kinesis().getRecords(b -> b.shardIterator(iterator)).records()
                    .forEach(r -> data.add(r.data().asUtf8String()));
        });
        assertThat(data).containsExactly("hello");
    }

    @Test
    void logsTableHasTheKeySchemeAndTheLevelIndex() {
        aws.createLogsTable("harness-logs");
        aws.dynamoDb().putItem(b -> b.tableName("harness-logs").item(Map.of(
                "pk", AttributeValue.fromS("svc"), "sk", AttributeValue.fromS("0000000000001#a"),
                "levelKey", AttributeValue.fromS("svc#ERROR"))));
        assertThat(aws.dynamoDb().query(b -> b.tableName("harness-logs").indexName(LocalAws.LEVEL_INDEX)
                .keyConditionExpression("levelKey = :k")
                .expressionAttributeValues(Map.of(":k", AttributeValue.fromS("svc#ERROR")))).count()).isEqualTo(1);
    }

    @Test
    void sqsQueueDeliversMessages() {
        String url = aws.createQueue("harness-dlq");
        aws.sqs().sendMessage(b -> b.queueUrl(url).messageBody("poison"));
        assertThat(aws.sqs().receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(1)).messages())
                .extracting(m -> m.body()).containsExactly("poison");
    }

    @Test
    void eventBridgeStubAcceptsFailsAndRecovers() {
        try (EventBridgeClient client = EventBridgeClient.builder().endpointOverride(aws.eventBridgeEndpoint())
                .region(aws.region()).credentialsProvider(aws.credentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
            EventBridgeStub stub = aws.eventBridge();
            stub.clear();
            stub.failEntriesContaining("bad");
            PutEventsResponse response = client.putEvents(b -> b.entries(
                    entry("{\"a\":\"good\"}"), entry("{\"a\":\"bad\"}")));
            assertThat(response.failedEntryCount()).isEqualTo(1);
            assertThat(response.entries().get(0).eventId()).isNotBlank();
            assertThat(response.entries().get(1).errorCode()).isEqualTo("InternalFailure");
            assertThat(stub.acceptedEvents()).extracting(EventBridgeStub.ReceivedEvent::detail)
                    .containsExactly("{\"a\":\"good\"}");

            stub.failAllRequests(500);
            assertThatThrownBy(() -> client.putEvents(b -> b.entries(entry("{}"))))
                    .isInstanceOf(EventBridgeException.class);
            stub.recover();
            assertThat(client.putEvents(b -> b.entries(entry("{\"a\":\"bad\"}"))).failedEntryCount()).isZero();
        }
    }

    @Test
    void tcpProxyCanCutAndRestoreDynamoDb() throws Exception {
        try (TcpProxy proxy = new TcpProxy(aws.dynamoDbPort())) {
            assertThat(canConnectAndTalk(proxy)).isTrue();
            proxy.cut();
            assertThat(canConnectAndTalk(proxy)).isFalse();
            proxy.restore();
            assertThat(canConnectAndTalk(proxy)).isTrue();
        }
    }

    private static boolean canConnectAndTalk(TcpProxy proxy) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", proxy.endpoint().getPort()), 1000);
            socket.setSoTimeout(2000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            return socket.getInputStream().read() >= 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void kinesisEngineDiesWithAJvmThatIsKilled() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dlogstream.localaws.node=" + KinesisEngine.nodeDirectory(), HarnessChild.class.getName())
                .redirectErrorStream(false).start();
        long enginePid;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            while (line != null && !line.startsWith("PID=")) {
                line = out.readLine();
            }
            assertThat(line).as("child printed the engine's PID").isNotNull();
            enginePid = Long.parseLong(line.substring(4).trim());
            assertThat(ProcessHandle.of(enginePid)).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.of(enginePid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(ProcessHandle.of(enginePid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    private static PutEventsRequestEntry entry(String detail) {
        return PutEventsRequestEntry.builder().source("test").detailType("T").detail(detail).build();
    }
}
