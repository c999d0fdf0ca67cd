package io.logstream.localaws;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Creates log-stream's resources on a running LocalStack, as the Terraform declares them: the stream, the logs table,
 * KCL's lease table, the dead-letter queue, and the LogError rule on the default bus with an SQS target. Writes their
 * names to {@code DIR/aws.env}. It also starts a local identity provider and keeps it running (its JWKS URL goes
 * into the env file as QUERY_JWKS_URL, a bearer token into {@code DIR/token}) until the process is stopped.
 * Used by {@code scripts/run-containers.sh}. Arguments: {@code --endpoint URL} (required), and optionally
 * {@code --region R --dir DIR --stream NAME --shards N --table NAME --app NAME --queue NAME}.
 */
public final class LocalStackSetup {
    private LocalStackSetup() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("--endpoint", "", "--region", "us-east-1",
                "--dir", ".local-run/containers", "--stream", "log-stream", "--shards", "2",
                "--table", "log-stream-logs", "--app", "log-stream-consumer", "--queue", "log-stream-dlq"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!options.containsKey(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + "; known: " + options.keySet());
            }
            options.put(args[i], args[i + 1]);
        }
        if (options.get("--endpoint").isBlank()) {
            throw new IllegalArgumentException("--endpoint is required (LocalStack's URL)");
        }
        Path dir = Path.of(options.get("--dir"));
        Files.createDirectories(dir);
        LocalIdentity identity = LocalIdentity.start();
        try (LocalStack aws = new LocalStack(URI.create(options.get("--endpoint")), options.get("--region"),
                "test", "test")) {
            aws.createStream(options.get("--stream"), Integer.parseInt(options.get("--shards")));
            aws.createLogsTable(options.get("--table"));
            aws.createLeaseTable(options.get("--app"));
            String dlq = aws.createQueue(options.get("--queue"));
            String alerts = aws.routeLogErrorsToQueue("default", "log-stream-log-error", options.get("--queue") + "-alerts");
            String env = "KINESIS_STREAM=" + options.get("--stream") + "\n"
                    + "DDB_TABLE=" + options.get("--table") + "\n"
                    + "KCL_APP_NAME=" + options.get("--app") + "\n"
                    + "DLQ_QUEUE_URL=" + dlq + "\n"
                    + "ALERTS_QUEUE_URL=" + alerts + "\n"
                    + "QUERY_JWKS_URL=" + identity.jwksUrl() + "\n"
                    + "QUERY_JWT_ISSUER=" + LocalIdentity.ISSUER + "\n"
                    + "QUERY_JWT_AUDIENCE=" + LocalIdentity.AUDIENCE + "\n";
            Files.writeString(dir.resolve("token"), identity.token("container-run", LocalIdentity.ALL_SERVICES), StandardCharsets.UTF_8);
            Path tmp = dir.resolve("aws.env.tmp");
            Files.writeString(tmp, env, StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve("aws.env"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        Thread.currentThread().join(); // serve the JWKS until stopped
    }
}
