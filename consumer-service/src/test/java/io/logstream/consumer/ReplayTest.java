package io.logstream.consumer;

import io.logstream.localaws.ConsumerProperties;
import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LogPayload;
import io.logstream.model.Counts;

import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** At-least-once delivery, exactly-once storage: reading the stream again rewrites the same items. */
class ReplayTest {
    private final ConsumerHarness<LocalAws> harness = ConsumerHarness.local(4);

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void replayedRecordsOverwriteInsteadOfDuplicating() {
        ApplicationContext first = harness.startConsumer();
        List<PutRecordsResultEntry> put = harness.putJson(ConsumerHarness.validRecords("replay", 300, "ERROR"));
        Map<String, BigInteger> last = ConsumerHarness.lastSequencePerShard(put);
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.itemCount() == 300);
        await().atMost(Duration.ofSeconds(30)).until(() -> harness.checkpointedThrough(harness.applicationName, last));
        harness.stop(first);
        Map<String, String> firstIngest = ingestedAtByKey();
        long firstPassMax = firstIngest.values().stream().mapToLong(Long::parseLong).max().orElseThrow();

        // a fresh application (new lease table) reads the whole stream again from TRIM_HORIZON
        String replayApp = harness.applicationName + "-replay";
        harness.aws.createLeaseTable(replayApp);
        harness.startConsumer(Map.of(ConsumerProperties.APPLICATION, replayApp));
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.checkpointedThrough(replayApp, last));

        Map<String, String> secondIngest = ingestedAtByKey();
        assertThat(secondIngest.keySet()).isEqualTo(firstIngest.keySet()).hasSize(300);
        assertThat(secondIngest.values()).as("every item was rewritten by the replay")
                .allSatisfy(at -> assertThat(Long.parseLong(at)).isGreaterThan(firstPassMax));
        assertThat(harness.deadLetters()).isEmpty();
    }

    /**
     * The counts equal the stored records by service, level and host, after a first pass and after a second
     * application read the whole stream again: a replayed record is never counted twice. Records without a host,
     * poison and a record a producer sent twice (same id, same partition key) are in the mix.
     */
    @Test
    void countsEqualTheStoredRecordsAndAReplayDoesNotCountThemAgain() {
        List<String> json = new java.util.ArrayList<>();
        String[] levels = {"INFO", "WARN", "ERROR", "DEBUG"};
        long ts = System.currentTimeMillis() - 600_000;
        for (int i = 0; i < 400; i++) {
            LogPayload payload = LogPayload.of("counted-" + (i % 3)).level(levels[i % levels.length])
                    .message("message " + i + " é").ts(ts + i * 1_000L);
            json.add((i % 4 == 0 ? payload : payload.host("host-" + (i % 5))).json());
        }
        json.add("{\"not\":\"a record\"}");
        List<PutRecordsResultEntry> put = new java.util.ArrayList<>(harness.putJson(json));
        // a producer's retry: the same record (its own id) again, with the same partition key, so on the same shard
        byte[] twice = LogPayload.of("counted-0").level("INFO").message("sent twice").ts(ts).id("same-id").bytes();
        put.addAll(harness.put(List.of(twice, twice), "retried"));
        Map<String, BigInteger> last = ConsumerHarness.lastSequencePerShard(put);

        ApplicationContext first = harness.startConsumer();
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.itemCount() == 401);
        await().atMost(Duration.ofSeconds(30)).until(() -> harness.checkpointedThrough(harness.applicationName, last));
        Map<String, Counts.Tally> stored = harness.storedCounts();
        assertThat(stored).containsKeys("counted-0", "counted-1", "counted-2", "counted-0@host-1");
        assertThat(harness.counts()).as("counts after the first pass").isEqualTo(stored);
        harness.stop(first);

        String replayApp = harness.applicationName + "-recount";
        harness.aws.createLeaseTable(replayApp);
        harness.startConsumer(Map.of(ConsumerProperties.APPLICATION, replayApp));
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.checkpointedThrough(replayApp, last));
        assertThat(harness.counts()).as("counts after the replay").isEqualTo(stored);
        assertThat(harness.deadLetters()).as("each pass dead-letters the poison").hasSize(2);
    }

    private Map<String, String> ingestedAtByKey() {
        List<Map<String, AttributeValue>> items = harness.items();
        Set<String> keys = items.stream().map(i -> i.get("pk").s() + "|" + i.get("sk").s()).collect(Collectors.toSet());
        assertThat(keys).hasSize(items.size());
        return items.stream().collect(Collectors.toMap(i -> i.get("pk").s() + "|" + i.get("sk").s(),
                i -> i.get("ingestedAt").n()));
    }
}
