package io.logstream.bench;

import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LocalIdentity;

import java.util.List;

/** The -D options that point a service's JVM at the local engines, and query-service at a local identity. */
final class ServiceOptions {
    private ServiceOptions() {
    }

    /** Static credentials, the region and every AWS client's endpoint on {@code aws}. */
    static List<String> endpoints(LocalAws aws) {
        return List.of("-Daws.accessKeyId=local", "-Daws.secretAccessKey=local", "-Daws.region=" + LocalAws.REGION,
                "-Daws.services.kinesis.endpoint-override=" + aws.kinesisEndpoint(),
                "-Daws.services.dynamodb.endpoint-override=" + aws.dynamoDbEndpoint(),
                "-Daws.services.sqs.endpoint-override=" + aws.sqsEndpoint(),
                "-Daws.services.eventbridge.endpoint-override=" + aws.eventBridgeEndpoint(),
                "-Daws.services.cloudwatch.endpoint-override=" + aws.eventBridgeEndpoint());
    }

    /**
     * query-service reading {@code table} on {@code port} with tokens of {@code identity}. A load benchmark is one token
     * at thousands of requests a second, so the rate and concurrency limits are lifted.
     */
    static List<String> queryService(LocalIdentity identity, String table, int port) {
        return List.of("-Dmicronaut.server.port=" + port, "-Dlog-stream.table=" + table, "-Dlog-stream.auth.mode=jwt",
                "-Dmicronaut.security.token.jwt.signatures.jwks.idp.url=" + identity.jwksUrl(),
                "-Dmicronaut.security.token.jwt.claims-validators.issuer=" + LocalIdentity.ISSUER,
                "-Dmicronaut.security.token.jwt.claims-validators.audience=" + LocalIdentity.AUDIENCE,
                "-Dlog-stream.limits.token-rate=10000000", "-Dlog-stream.limits.token-burst=10000000",
                "-Dlog-stream.limits.instance-rate=10000000", "-Dlog-stream.limits.token-concurrency=100000",
                "-Dlog-stream.limits.instance-concurrency=100000");
    }
}
