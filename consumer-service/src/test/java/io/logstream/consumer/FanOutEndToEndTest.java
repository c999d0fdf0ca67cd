package io.logstream.consumer;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Consumer;
import software.amazon.awssdk.services.kinesis.model.ConsumerStatus;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link EndToEndTest} with enhanced fan-out: KCL registers the stream consumer and kinesis-mock pushes the records
 * over HTTP/2 (SubscribeToShard). What the engine does not serve faithfully is in docs/consumer.md.
 */
class FanOutEndToEndTest extends EndToEndTest {
    @Override
    Map<String, Object> retrieval() {
        return Map.of("log-stream.kcl.retrieval", "fanout");
    }

    @Test
    void theStreamHasOneConsumerNamedAfterTheApplicationAndASecondWorkerReusesIt() {
        harness.startConsumer(retrieval());
        putValid("reused", 20);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .until(() -> harness.itemsOf("reused").size() == 20);
        String streamArn = harness.aws.kinesis().describeStreamSummary(b -> b.streamName(harness.stream))
                .streamDescriptionSummary().streamARN();
        List<Consumer> consumers = harness.aws.kinesis().listStreamConsumers(b -> b.streamARN(streamArn)).consumers();
        assertThat(consumers).singleElement().satisfies(consumer -> {
            assertThat(consumer.consumerName()).isEqualTo(harness.applicationName);
            assertThat(consumer.consumerStatus()).isEqualTo(ConsumerStatus.ACTIVE);
        });
    }
}
