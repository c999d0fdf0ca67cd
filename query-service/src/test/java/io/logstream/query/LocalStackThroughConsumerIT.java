package io.logstream.query;

import io.logstream.localaws.AwsEngines;
import io.logstream.localaws.LocalStack;
import io.logstream.localaws.LocalStackAvailable;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The consumer (its jar) and the query service both on LocalStack in a container: records put on LocalStack's
 * Kinesis are stored in its DynamoDB by the consumer, and the REST API answers from there.
 */
@ExtendWith(LocalStackAvailable.class)
@Testcontainers
@MicronautTest
class LocalStackThroughConsumerIT extends ThroughConsumerCase {
    @Container
    static final LocalStackContainer CONTAINER = LocalStack.newContainer();
    private LocalStack localStack;

    @Override
    protected AwsEngines engines() {
        CONTAINER.start(); // no-op when the Testcontainers extension has started it already
        localStack = new LocalStack(CONTAINER);
        return localStack;
    }

    @AfterAll
    void closeClients() {
        localStack.close();
    }
}
