package io.logstream.producer;

import io.logstream.localaws.LocalAws;
import io.logstream.model.LogRecordParser;
import io.logstream.model.ParseOutcome;
import io.logstream.model.RecordCoordinates;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LogProducerTest {
    private final LocalAws aws = LocalAws.shared();

    @Test
    void everyKindOfPoisonIsDeadLetteredByTheParserAndEachPayloadIsUnique() {
        LogRecordParser parser = new LogRecordParser();
        java.util.Set<String> payloads = new java.util.HashSet<>();
        for (int kind = 0; kind < PoisonRecords.KINDS; kind++) {
            for (long n = 0; n < 3; n++) {
                byte[] record = PoisonRecords.of("chaos", n, kind);
                assertThat(parser.parse(record, new RecordCoordinates("s", "shardId-0", "1", n, Instant.now())))
                        .as("kind %d", kind).isInstanceOf(ParseOutcome.Poison.class);
                payloads.add(java.util.Base64.getEncoder().encodeToString(record));
            }
        }
        assertThat(payloads).hasSize(3 * PoisonRecords.KINDS);
    }

    @Test
    void generatedRecordsAreValidExceptThePoisonShare() {
        LogGenerator generator = new LogGenerator(1, 6, 0.05, 0.02, 300);
        LogRecordParser parser = new LogRecordParser();
        int poison = 0;
        int alerts = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] record = generator.next();
            ParseOutcome outcome = parser.parse(record, new RecordCoordinates("s", "shardId-0", "1", i, Instant.now()));
            if (outcome instanceof ParseOutcome.Poison) {
                poison++;
            } else {
                assertThat(record.length).isBetween(250, 400);
                if (((ParseOutcome.Parsed) outcome).record().level().raisesAlert()) {
                    alerts++;
                }
            }
        }
        assertThat(poison).isBetween(120, 280);
        assertThat(alerts).isBetween(380, 620);
    }

    @Test
    void sendsTheRequestedCountToTheStream() {
        aws.createStream("producer-test", 2);
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new LogProducer()).setErr(new PrintWriter(err)).execute(
                "--stream", "producer-test", "--endpoint", aws.kinesisEndpoint().toString(), "--count", "1234",
                "--rate", "0", "--record-size", "150");
        assertThat(exit).isZero();
        assertThat(err.toString()).contains("sent 1,234").contains("failed 0");
        List<String> shards = aws.kinesis().listShards(b -> b.streamName("producer-test")).shards().stream()
                .map(s -> s.shardId()).toList();
        int total = 0;
        for (String shard : shards) {
            String iterator = aws.kinesis().getShardIterator(b -> b.streamName("producer-test").shardId(shard)
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            while (iterator != null) {
                String current = iterator;
                var response = aws.kinesis().getRecords(b -> b.shardIterator(current).limit(1000));
                total += response.records().size();
                if (response.records().isEmpty()) {
                    break;
                }
                iterator = response.nextShardIterator();
            }
        }
        assertThat(total).isEqualTo(1234);
    }

    @Test
    void rejectsNonsenseOptions() {
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new LogProducer()).setErr(new PrintWriter(err)).execute("--error-ratio", "2");
        assertThat(exit).isNotZero();
        assertThat(err.toString()).contains("ratios");
    }

    @Test
    void durationsReadTheWayPeopleWriteThem() {
        assertThat(LogProducer.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(LogProducer.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(LogProducer.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(LogProducer.parseDuration("PT1H")).isEqualTo(Duration.ofHours(1));
    }
}
