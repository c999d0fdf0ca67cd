package io.logstream.query.rules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Sends alerts to Prometheus Alertmanager's v2 API ({@code POST /api/v2/alerts}), firing ones and their resends alike
 * (Alertmanager keys alerts by their labels, so a resend is the same alert), through {@link AlertQueue}'s retries.
 * Off when {@code log-stream.rules.alertmanager-url} is empty.
 */
@Singleton
public class AlertmanagerNotifier extends AlertQueue {
    private static final JsonFactory JSON = new JsonFactory();

    private final URI endpoint;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public AlertmanagerNotifier(@Value("${log-stream.rules.alertmanager-url:}") String url) {
        super("Alertmanager", 1000, url != null && !url.isBlank());
        this.endpoint = url == null || url.isBlank() ? null
                : URI.create(url.replaceAll("/+$", "") + "/api/v2/alerts");
    }

    @Override
    protected List<Alert> deliver(List<Alert> batch) throws IOException, InterruptedException {
        post(batch);
        return List.of();
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
}
