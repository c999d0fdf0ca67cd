package io.logstream.consumer.alert;

import io.logstream.consumer.core.PendingAlert;
import io.logstream.consumer.config.AlertSettings;
import io.logstream.consumer.core.IncomingRecord;
import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.model.LogErrorEvent;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.logstream.model.RecordCoordinates;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** How alerts are grouped into PutEvents calls (the calls themselves are tested against the EventBridge stub). */
class EventBridgeAlertPublisherTest {
    private final EventBridgeAlertPublisher publisher = new EventBridgeAlertPublisher(null, null,
            new PipelineMetrics(new SimpleMeterRegistry()),
            new AlertSettings("bus", false, 3));

    private static PendingAlert alert(int messageChars) {
        RecordCoordinates coordinates = new RecordCoordinates("s", "shardId-0", "1", 0, Instant.EPOCH);
        LogRecord record = new LogRecord("svc", LogLevel.ERROR, "m".repeat(messageChars), 1, "id", null, null,
                Map.of("blob", "b".repeat(Math.max(0, messageChars - 10))), null);
        return new PendingAlert(new IncomingRecord(new byte[0], coordinates), LogErrorEvent.of(record, coordinates));
    }

    @Test
    void callsHoldAtMostTenEntries() {
        List<PendingAlert> alerts = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            alerts.add(alert(10));
        }
        assertThat(publisher.calls(alerts)).extracting(List::size).containsExactly(10, 10, 3);
    }

    @Test
    void callsStayUnder256KilobytesInAll() {
        List<PendingAlert> alerts = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            alerts.add(alert(60_000));
        }
        List<Integer> sizes = publisher.calls(alerts).stream().map(List::size).toList();
        assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(10);
        assertThat(sizes).hasSizeGreaterThan(1).allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(4));
    }
}
