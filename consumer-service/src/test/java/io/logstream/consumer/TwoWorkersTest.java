package io.logstream.consumer;

import io.logstream.localaws.LocalAws;

import io.micrometer.core.instrument.MeterRegistry;
import io.logstream.consumer.ingest.KclWorker;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two consumer-service instances with one application name share the shards and take over from each other. */
class TwoWorkersTest {
    private final ConsumerHarness<LocalAws> harness = ConsumerHarness.local(4);

    /** How the consumers read the stream: KCL's polling here, enhanced fan-out in {@link FanOutTwoWorkersTest}. */
    Map<String, Object> retrieval() {
        return Map.of();
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void twoWorkersSplitTheShardsAndOneTakesOverWhenTheOtherStops() {
        ApplicationContext first = harness.startConsumer(retrieval());
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(ConsumerHarness.ownedShards(first)).hasSize(4));
        ApplicationContext second = harness.startConsumer(retrieval());
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            Set<String> a = ConsumerHarness.ownedShards(first);
            Set<String> b = ConsumerHarness.ownedShards(second);
            assertThat(a).isNotEmpty();
            assertThat(b).isNotEmpty().doesNotContainAnyElementsOf(a);
            Set<String> all = new HashSet<>(a);
            all.addAll(b);
            assertThat(all).hasSize(4);
        });
        harness.putJson(ConsumerHarness.validRecords("split", 200, "INFO"));
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.itemCount() == 200);
        // each worker exports lag only for the shards it owns now, not for those it handed over
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(lagSeries(first)).isEqualTo(ConsumerHarness.ownedShards(first));
            assertThat(lagSeries(second)).isEqualTo(ConsumerHarness.ownedShards(second));
        });

        String firstWorker = first.getBean(KclWorker.class).workerId();
        harness.stop(first);
        // a graceful stop hands over at once: no lease and no worker-metrics entry of the stopped worker is left
        List<Map<String, AttributeValue>> leaseTable = harness.aws.dynamoDb()
                .scan(b -> b.tableName(harness.applicationName)).items();
        assertThat(leaseTable).filteredOn(item -> item.containsKey("leaseOwner")
                && firstWorker.equals(item.get("leaseOwner").s())).isEmpty();
        assertThat(leaseTable).filteredOn(item -> firstWorker.equals(item.get("leaseKey").s())).isEmpty();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(ConsumerHarness.ownedShards(second)).hasSize(4));
        harness.putJson(ConsumerHarness.validRecords("takeover", 200, "INFO"));
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.itemCount() == 400);
        assertThat(harness.itemsOf("takeover")).hasSize(200);
        assertThat(harness.deadLetters()).isEmpty();
    }

    private static Set<String> lagSeries(ApplicationContext consumer) {
        MeterRegistry registry = consumer.getBean(MeterRegistry.class);
        return registry.find("logstream.shard.lag").meters().stream().map(m -> m.getId().getTag("shard"))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
