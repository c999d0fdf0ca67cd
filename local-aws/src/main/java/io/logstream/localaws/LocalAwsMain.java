package io.logstream.localaws;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The local AWS side as a process, for {@code scripts/run-local.sh}: starts the engines, creates the stream, the logs
 * table, KCL's lease table and the dead-letter queue, writes their endpoints to an env file, appends every
 * {@code LogError} event to a JSON-lines file, and runs until stopped. It also runs a local identity provider: its
 * JWKS URL goes into the env file (QUERY_JWKS_URL) and a bearer token that reads every service into {@code token}.
 * Arguments (all optional): {@code --dir DIR --stream NAME --shards N --table NAME --app NAME --queue NAME
 * --kinesis kinesis-mock|kinesalite}.
 */
public final class LocalAwsMain {
    private static final Logger LOG = LoggerFactory.getLogger(LocalAwsMain.class);

    private LocalAwsMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("--dir", ".local-run", "--stream", "log-stream",
                "--shards", "4", "--table", "log-stream-logs", "--app", "log-stream-consumer",
                "--queue", "log-stream-dlq", "--kinesis", "kinesis-mock"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!options.containsKey(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + "; known: " + options.keySet());
            }
            options.put(args[i], args[i + 1]);
        }
        Path dir = Path.of(options.get("--dir"));
        Files.createDirectories(dir);
        KinesisEngine.Kind kind = "kinesalite".equals(options.get("--kinesis"))
                ? KinesisEngine.Kind.KINESALITE : KinesisEngine.Kind.KINESIS_MOCK;
        LocalAws aws = LocalAws.start(kind);
        LocalIdentity identity = LocalIdentity.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            identity.close();
            aws.close();
            stopped.countDown();
        }, "local-aws-main-stop"));

        aws.createStream(options.get("--stream"), Integer.parseInt(options.get("--shards")));
        aws.createLogsTable(options.get("--table"));
        aws.createLeaseTable(options.get("--app"));
        String queueUrl = aws.createQueue(options.get("--queue"));
        recordEvents(aws, dir.resolve("logerror-events.jsonl"));

        StringBuilder env = new StringBuilder();
        env.append("KINESIS_ENDPOINT=").append(aws.kinesisEndpoint()).append('\n')
                .append("DYNAMODB_ENDPOINT=").append(aws.dynamoDbEndpoint()).append('\n')
                .append("SQS_ENDPOINT=").append(aws.sqsEndpoint()).append('\n')
                .append("EVENTBRIDGE_ENDPOINT=").append(aws.eventBridgeEndpoint()).append('\n')
                .append("KINESIS_STREAM=").append(options.get("--stream")).append('\n')
                .append("DDB_TABLE=").append(options.get("--table")).append('\n')
                .append("KCL_APP_NAME=").append(options.get("--app")).append('\n')
                .append("DLQ_QUEUE_URL=").append(queueUrl).append('\n')
                .append("QUERY_JWKS_URL=").append(identity.jwksUrl()).append('\n')
                .append("QUERY_JWT_ISSUER=").append(LocalIdentity.ISSUER).append('\n')
                .append("QUERY_JWT_AUDIENCE=").append(LocalIdentity.AUDIENCE).append('\n');
        Files.writeString(dir.resolve("token"), identity.token("local-run", LocalIdentity.ALL_SERVICES), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("admin-token"), identity.adminToken("local-admin"), StandardCharsets.UTF_8);
        Path tmp = dir.resolve("aws.env.tmp");
        Files.writeString(tmp, env.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve("aws.env"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        LOG.info("local AWS ready; endpoints in {}", dir.resolve("aws.env"));
        stopped.await();
    }

    private static void recordEvents(LocalAws aws, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING);
        aws.eventBridge().onEvent(event -> {
            synchronized (writer) {
                try {
                    writer.write(json.writeValueAsString(Map.of("eventBusName", event.eventBusName(),
                            "source", event.source(), "detailType", event.detailType(),
                            "detail", json.readTree(event.detail()))));
                    writer.newLine();
                    writer.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
    }
}
