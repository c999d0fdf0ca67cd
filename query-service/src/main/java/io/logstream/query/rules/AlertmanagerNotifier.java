package io.logstream.query.rules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * Sends alerts to Prometheus Alertmanager's v2 API ({@code POST /api/v2/alerts}) from one background thread, in
 * batches, in the order they were raised. A batch Alertmanager does not take (an error status, a refused connection)
 * is retried with exponential backoff from 1 s to 30 s until it is taken, so nothing is lost while Alertmanager is down
 * for minutes; the queue holds {@link #CAPACITY} alerts, past which the oldest are dropped and counted. Off when
 * {@code log-stream.rules.alertmanager-url} is empty.
 */
@Singleton
public class AlertmanagerNotifier {
    static final int CAPACITY = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(AlertmanagerNotifier.class);
    private static final JsonFactory JSON = new JsonFactory();

    /** One alert as Alertmanager takes it. */
    public record Alert(Map<String, String> labels, Map<String, String> annotations, Instant startsAt, Instant endsAt) {
    }

    private final URI endpoint;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final LinkedBlockingDeque<Alert> queue = new LinkedBlockingDeque<>();
    private final Thread sender;
    private volatile boolean running = true;
    private volatile long dropped;
    private volatile long sent;

    public AlertmanagerNotifier(@Value("${log-stream.rules.alertmanager-url:}") String url) {
        this.endpoint = url == null || url.isBlank() ? null
                : URI.create(url.replaceAll("/+$", "") + "/api/v2/alerts");
        this.sender = new Thread(this::run, "alertmanager-notifier");
        this.sender.setDaemon(true);
        if (endpoint != null) {
            sender.start();
        }
    }

    public boolean enabled() {
        return endpoint != null;
    }

    /** Queues alerts to send; returns at once. */
    public void send(List<Alert> alerts) {
        if (endpoint == null) {
            return;
        }
        for (Alert alert : alerts) {
            while (queue.size() >= CAPACITY) {
                queue.pollFirst();
                dropped++;
            }
            queue.addLast(alert);
        }
    }

    /** Alerts Alertmanager has taken, and alerts dropped because the queue was full. */
    public long sent() {
        return sent;
    }

    public long dropped() {
        return dropped;
    }

    private void run() {
        long backoff = 1_000;
        while (running) {
            List<Alert> batch = new ArrayList<>();
            try {
                Alert first = queue.pollFirst(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 999);
                post(batch);
                sent += batch.size();
                backoff = 1_000;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                for (int i = batch.size() - 1; i >= 0; i--) {
                    queue.addFirst(batch.get(i)); // back at the head, in order, for the retry
                }
                LOG.warn("Alertmanager did not take {} alerts ({}); retrying in {} ms", batch.size(), e.getMessage(),
                        backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(30_000, backoff * 2);
            }
        }
    }

    private void post(List<Alert> batch) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body(batch)))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException("status " + response.statusCode());
        }
    }

    static String body(List<Alert> batch) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartArray();
            for (Alert alert : batch) {
                json.writeStartObject();
                json.writeObjectFieldStart("labels");
                for (Map.Entry<String, String> e : alert.labels().entrySet()) {
                    json.writeStringField(e.getKey(), e.getValue());
                }
                json.writeEndObject();
                json.writeObjectFieldStart("annotations");
                for (Map.Entry<String, String> e : alert.annotations().entrySet()) {
                    json.writeStringField(e.getKey(), e.getValue());
                }
                json.writeEndObject();
                json.writeStringField("startsAt", alert.startsAt().toString());
                json.writeStringField("endsAt", alert.endsAt().toString());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        return out.toString();
    }

    @PreDestroy
    void stop() {
        running = false;
        sender.interrupt();
    }
}
