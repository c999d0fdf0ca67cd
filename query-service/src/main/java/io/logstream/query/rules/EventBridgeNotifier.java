package io.logstream.query.rules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sends an alert's changes to EventBridge when {@code log-stream.rules.event-bus} names a bus: {@code AlertFiring}
 * when it starts firing and {@code AlertResolved} when it resolves (never the resends, so a subscriber such as an SNS
 * topic hears each change once), source {@value #SOURCE}. PutEvents takes 10 entries a call; the entries it refuses
 * (a partial failure) are the only ones sent again, through {@link AlertQueue}'s retries. The detail is documented in
 * docs/rules.md ("EventBridge").
 */
@Singleton
public class EventBridgeNotifier extends AlertQueue {
    public static final String SOURCE = "log-stream.rules";
    private static final JsonFactory JSON = new JsonFactory();
    private final String bus;
    private final BeanProvider<EventBridgeClient> client;
    private final Clock clock;

    public EventBridgeNotifier(@Value("${log-stream.rules.event-bus:}") String bus,
                               BeanProvider<EventBridgeClient> client, Clock clock) {
        super("EventBridge", 10, bus != null && !bus.isBlank());
        this.bus = bus;
        this.client = client;
        this.clock = clock;
    }

    @Override
    protected boolean wants(Alert alert) {
        return alert.change();
    }

    @Override
    protected List<Alert> deliver(List<Alert> batch) {
        List<PutEventsRequestEntry> entries = new ArrayList<>();
        for (Alert alert : batch) {
            boolean resolved = !alert.endsAt().isAfter(clock.instant());
            entries.add(PutEventsRequestEntry.builder().eventBusName(bus).source(SOURCE)
                    .detailType(resolved ? "AlertResolved" : "AlertFiring").detail(detail(alert, resolved)).build());
        }
        PutEventsResponse response = client.get().putEvents(b -> b.entries(entries));
        List<Alert> refused = new ArrayList<>();
        if (response.failedEntryCount() != null && response.failedEntryCount() > 0) {
            for (int i = 0; i < response.entries().size(); i++) {
                if (response.entries().get(i).errorCode() != null) {
                    refused.add(batch.get(i));
                }
            }
        }
        return refused;
    }

    static String detail(Alert alert, boolean resolved) {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("alertname", alert.labels().getOrDefault("alertname", ""));
            json.writeStringField("status", resolved ? "resolved" : "firing");
            field(json, "labels", alert.labels());
            field(json, "annotations", alert.annotations());
            json.writeStringField("startsAt", alert.startsAt().toString());
            json.writeStringField("endsAt", alert.endsAt().toString());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void field(JsonGenerator json, String name, Map<String, String> values) throws IOException {
        json.writeObjectFieldStart(name);
        for (Map.Entry<String, String> e : values.entrySet()) {
            json.writeStringField(e.getKey(), e.getValue());
        }
        json.writeEndObject();
    }
}
