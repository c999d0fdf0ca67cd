package io.logstream.consumer.alert;

import io.logstream.consumer.core.AlertPublisher;
import io.logstream.consumer.core.CallSplitter;
import io.logstream.consumer.core.PendingAlert;
import io.logstream.consumer.config.AlertSettings;
import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.consumer.retry.Retrier;
import io.logstream.model.LogErrorEvent;
import jakarta.inject.Singleton;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * PutEvents in calls of at most 10 entries and 256 KB; after a partial failure only the failed entries are sent
 * again. With {@code EVENTBRIDGE_REQUIRED=true} it retries until everything is delivered; otherwise it gives up on an
 * entry after {@code log-stream.alerts.max-attempts} calls and hands it back for the dead-letter sink.
 */
@Singleton
public class EventBridgeAlertPublisher implements AlertPublisher {
    static final int MAX_ENTRIES = 10;
    static final int MAX_REQUEST_BYTES = 256 * 1024;
    private static final String DEPENDENCY = "eventbridge";

    private final EventBridgeClient eventBridge;
    private final Retrier retrier;
    private final PipelineMetrics metrics;
    private final String eventBus;
    private final boolean required;
    private final int maxAttempts;

    public EventBridgeAlertPublisher(EventBridgeClient eventBridge, Retrier retrier, PipelineMetrics metrics,
                                     AlertSettings settings) {
        this.eventBridge = eventBridge;
        this.retrier = retrier;
        this.metrics = metrics;
        this.eventBus = settings.eventBus();
        this.required = settings.required();
        this.maxAttempts = settings.maxAttempts();
    }

    @Override
    public List<PendingAlert> publish(List<PendingAlert> alerts) {
        List<PendingAlert> undelivered = new ArrayList<>();
        for (List<Entry> call : calls(alerts)) {
            undelivered.addAll(publishCall(call));
        }
        if (!undelivered.isEmpty()) {
            metrics.alertsFailed(undelivered.size());
        }
        return undelivered;
    }

    record Entry(PendingAlert alert, PutEventsRequestEntry entry, int size) {
    }

    /** Groups entries into calls within EventBridge's limits of 10 entries and 256 KB per call. */
    List<List<Entry>> calls(List<PendingAlert> alerts) {
        return CallSplitter.split(alerts.stream().map(this::entry).toList(), MAX_ENTRIES, MAX_REQUEST_BYTES, Entry::size);
    }

    private Entry entry(PendingAlert alert) {
        LogErrorEvent event = alert.event();
        String detail = event.toDetailJson();
        PutEventsRequestEntry entry = PutEventsRequestEntry.builder().eventBusName(eventBus)
                .source(LogErrorEvent.SOURCE).detailType(LogErrorEvent.DETAIL_TYPE).detail(detail)
                .time(Instant.ofEpochMilli(event.ts())).resources(List.of()).build();
        // EventBridge's entry size: 14 bytes for Time plus the UTF-8 lengths of Source, DetailType and Detail
        int size = 14 + utf8(LogErrorEvent.SOURCE) + utf8(LogErrorEvent.DETAIL_TYPE) + utf8(detail);
        return new Entry(alert, entry, size);
    }

    /** Sends one call, then only its failed entries; what is left after the attempts allowed is returned. */
    private List<PendingAlert> publishCall(List<Entry> call) {
        List<Entry> left = retrier.resend(DEPENDENCY, call, pending -> {
            List<PutEventsResultEntry> results = eventBridge.putEvents(PutEventsRequest.builder()
                    .entries(pending.stream().map(Entry::entry).toList()).build()).entries();
            List<Entry> failed = new ArrayList<>();
            for (int i = 0; i < pending.size(); i++) {
                PutEventsResultEntry result = i < results.size() ? results.get(i) : null;
                if (result == null || result.errorCode() != null) {
                    failed.add(pending.get(i));
                }
            }
            metrics.alertsPublished(pending.size() - failed.size());
            return failed;
        }, SdkException.class::isInstance, required ? 0 : maxAttempts);
        return left.stream().map(Entry::alert).toList();
    }

    private static int utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
