package io.logstream.localaws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * An EventBridge endpoint on loopback (WireMock speaking the {@code AWSEvents.PutEvents} JSON protocol). It accepts
 * every entry and remembers it, unless told to fail: whole requests with an HTTP status, or single entries whose
 * detail contains a marker (a partial failure, {@code FailedEntryCount > 0}).
 */
public final class EventBridgeStub implements AutoCloseable {
    private static final String TARGET = "AWSEvents.PutEvents";
    private static final String CONTENT_TYPE = "application/x-amz-json-1.1";

    public record ReceivedEvent(String eventBusName, String source, String detailType, String detail) {
    }

    private final ObjectMapper mapper = new ObjectMapper();
    private final List<ReceivedEvent> accepted = new CopyOnWriteArrayList<>();
    private final Set<String> failingMarkers = ConcurrentHashMap.newKeySet();
    private final List<StubMapping> outageStubs = new CopyOnWriteArrayList<>();
    private final List<Consumer<ReceivedEvent>> listeners = new CopyOnWriteArrayList<>();
    private final WireMockServer server;

    public EventBridgeStub() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().disableRequestJournal()
                .extensions(new PutEventsAnswer()));
        server.start();
        server.stubFor(post("/").withHeader("X-Amz-Target", equalTo(TARGET)).atPriority(10)
                .willReturn(aResponse().withTransformers(PutEventsAnswer.NAME)));
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    /** Every event answered with success so far. */
    public List<ReceivedEvent> acceptedEvents() {
        return List.copyOf(accepted);
    }

    /** Tells {@code listener} of every event accepted from now on. */
    public void onEvent(Consumer<ReceivedEvent> listener) {
        listeners.add(listener);
    }

    /** Answers each entry whose detail contains {@code marker} with {@code InternalFailure}. */
    public void failEntriesContaining(String marker) {
        failingMarkers.add(marker);
    }

    /** Answers every PutEvents call with {@code status} until {@link #recover()}. */
    public void failAllRequests(int status) {
        outageStubs.add(server.stubFor(post("/").withHeader("X-Amz-Target", equalTo(TARGET)).atPriority(1)
                .willReturn(aResponse().withStatus(status).withHeader("Content-Type", CONTENT_TYPE)
                        .withBody("{\"__type\":\"InternalException\",\"message\":\"injected outage\"}"))));
    }

    /** Ends every injected failure. */
    public void recover() {
        failingMarkers.clear();
        outageStubs.forEach(server::removeStub);
        outageStubs.clear();
    }

    public void clear() {
        recover();
        accepted.clear();
    }

    @Override
    public void close() {
        server.stop();
    }

    private final class PutEventsAnswer implements ResponseDefinitionTransformerV2 {
        static final String NAME = "put-events-answer";

        @Override
        public ResponseDefinition transform(ServeEvent serveEvent) {
            try {
                JsonNode request = mapper.readTree(serveEvent.getRequest().getBodyAsString());
                ObjectNode response = mapper.createObjectNode();
                ArrayNode entries = response.putArray("Entries");
                List<ReceivedEvent> ok = new ArrayList<>();
                int failed = 0;
                for (JsonNode entry : request.path("Entries")) {
                    String detail = entry.path("Detail").asText();
                    if (failingMarkers.stream().anyMatch(detail::contains)) {
                        failed++;
                        entries.addObject().put("ErrorCode", "InternalFailure")
                                .put("ErrorMessage", "injected entry failure");
                    } else {
                        ok.add(new ReceivedEvent(entry.path("EventBusName").asText("default"),
                                entry.path("Source").asText(), entry.path("DetailType").asText(), detail));
                        entries.addObject().put("EventId", UUID.randomUUID().toString());
                    }
                }
                response.put("FailedEntryCount", failed);
                accepted.addAll(ok);
                ok.forEach(event -> listeners.forEach(listener -> listener.accept(event)));
                return new ResponseDefinitionBuilder().withStatus(200).withHeader("Content-Type", CONTENT_TYPE)
                        .withBody(mapper.writeValueAsString(response)).build();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return NAME;
        }
    }
}
