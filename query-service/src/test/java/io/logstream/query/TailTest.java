package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.model.Buckets;
import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live tails with real clients: the JDK's HTTP client reading the SSE stream line by line, and the JDK's WebSocket
 * client on Loki's tail. Records and watermark moves are written as the consumer writes them; the tails release
 * records only once the watermark has passed them.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TailTest implements TestPropertyProvider {
    private final ReadsFixture fixture = ReadsFixture.create("tail");
    private final ObjectMapper json = new ObjectMapper();

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> properties = fixture.queryProperties();
        properties.put("log-stream.reads.watermark-cache-ttl", "50ms");
        properties.put("log-stream.reads.tail-poll", "100ms");
        properties.put("log-stream.reads.tail-delay", "1s");
        properties.put("log-stream.reads.tail-heartbeat", "1s");
        properties.put("log-stream.reads.tail-connections", "3");
        // one page per service per poll: a tail further behind catches up over several polls
        properties.put("log-stream.reads.tail-pages-per-poll", "1");
        return properties;
    }

    /** One SSE event as the stream carried it. */
    private record Event(String name, String id, String data) {
    }

    /** Opens the tail and reads its events on a thread of their own. */
    private BlockingQueue<Event> sse(String path, String lastEventId, List<InputStream> open) throws Exception {
        return sse(path, lastEventId, open, TestAuth.token());
    }

    private BlockingQueue<Event> sse(String path, String lastEventId, List<InputStream> open, String token)
            throws Exception {
        HttpResponse<InputStream> response = lastEventId == null
                ? ApiClient.stream(server.getURI(), path, token, "Accept", "text/event-stream")
                : ApiClient.stream(server.getURI(), path, token, "Accept", "text/event-stream", "Last-Event-ID", lastEventId);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Complete-Until")).isPresent();
        open.add(response.body());
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String name = null;
                String id = null;
                StringBuilder data = new StringBuilder();
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.isEmpty()) {
                        events.add(new Event(name == null ? "message" : name, id, data.toString()));
                        if ("expired".equals(name)) {
                            events.add(new Event("end", null, ""));
                        }
                        name = null;
                        id = null;
                        data.setLength(0);
                    } else if (line.startsWith("event:")) {
                        name = line.substring(6).trim();
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).trim();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).trim());
                    }
                }
            } catch (Exception e) {
                // closed by the test
            }
            events.add(new Event("closed", null, ""));
        });
        reader.setDaemon(true);
        reader.start();
        return events;
    }

    /** Names of every event taken from a stream, records and heartbeats alike. */
    private final List<String> taken = new java.util.concurrent.CopyOnWriteArrayList<>();

    private List<Event> records(BlockingQueue<Event> events, int count) throws InterruptedException {
        return records(events, count, Duration.ofSeconds(20));
    }

    /** Record events until {@code count} came or {@code wait} passed. */
    private List<Event> records(BlockingQueue<Event> events, int count, Duration wait) throws InterruptedException {
        List<Event> got = new ArrayList<>();
        long deadline = System.nanoTime() + wait.toNanos();
        while (got.size() < count && System.nanoTime() < deadline) {
            Event event = events.poll(200, TimeUnit.MILLISECONDS);
            if (event != null) {
                taken.add(event.name());
            }
            if (event != null && event.name().equals("message")) {
                got.add(event);
            }
        }
        return got;
    }

    /**
     * Sets the watermark back from where an earlier test left it, then waits out its cache (50 ms), so that a tail
     * opened next starts from this value, not the cached one.
     */
    private void watermarkBack(long completeUntil) throws InterruptedException {
        fixture.watermark("shardId-000000000000", completeUntil, false);
        Thread.sleep(200);
    }

    private static LogRecord record(String service, LogLevel level, String message, long ts) {
        return new LogRecord(service, level, message, ts, UUID.randomUUID().toString(), null, "h", Map.of(), null);
    }

    @Test
    void theSseTailSendsNewRecordsInOrderOnlyPastTheWatermarkAndResumesAfterLastEventId() throws Exception {
        long t = System.currentTimeMillis();
        watermarkBack(t - 30_000);
        List<InputStream> open = new ArrayList<>();
        try {
            BlockingQueue<Event> events = sse("/v1/services/api/logs/tail?level=ERROR&level=FATAL", null, open);
            List<LogRecord> sent = List.of(record("api", LogLevel.ERROR, "first", t - 20_000),
                    record("api", LogLevel.INFO, "not an error", t - 19_000),
                    record("web", LogLevel.ERROR, "another service", t - 18_500),
                    record("api", LogLevel.FATAL, "second", t - 18_000),
                    record("api", LogLevel.ERROR, "third", t - 17_000),
                    record("api", LogLevel.ERROR, "beyond the watermark", t - 2_000));
            fixture.store(sent);
            assertThat(records(events, 1, Duration.ofMillis(1500))).as("nothing is released before the watermark passes it")
                    .isEmpty();

            fixture.watermark("shardId-000000000000", t - 10_000, false);
            List<Event> got = records(events, 3);
            assertThat(got).extracting(e -> json.readTree(e.data()).path("message").asText())
                    .containsExactly("first", "second", "third");
            assertThat(got).extracting(Event::id).containsExactly(LogKeys.sortKey(t - 20_000, sent.get(0).id()),
                    LogKeys.sortKey(t - 18_000, sent.get(3).id()), LogKeys.sortKey(t - 17_000, sent.get(4).id()));
            assertThat(records(events, 1, Duration.ofMillis(1500))).as("held back: past the watermark").isEmpty();
            assertThat(taken).as("a heartbeat while nothing is released").contains("heartbeat");

            BlockingQueue<Event> resumed = sse("/v1/services/api/logs/tail?level=ERROR&level=FATAL", got.get(0).id(), open);
            fixture.watermark("shardId-000000000000", t, false);
            assertThat(records(resumed, 3)).extracting(e -> json.readTree(e.data()).path("message").asText())
                    .as("after the first: no gap, no repeat").containsExactly("second", "third", "beyond the watermark");
        } finally {
            for (InputStream stream : open) {
                stream.close();
            }
        }
    }

    @Test
    void badTailRequestsAreProblems() throws Exception {
        HttpResponse<String> badId = ApiClient.get(server.getURI(), "/v1/services/api/logs/tail", TestAuth.token(),
                "Last-Event-ID", "yesterday");
        assertThat(badId.statusCode()).isEqualTo(400);
        assertThat(badId.body()).contains("Last-Event-ID");
        HttpResponse<String> anonymous = ApiClient.get(server.getURI(), "/v1/services/api/logs/tail", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
    }

    @Test
    void moreTailsThanTheInstanceServesGet429() throws Exception {
        List<InputStream> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                sse("/v1/services/api/logs/tail", null, open);
            }
            HttpResponse<String> fourth = ApiClient.get(server.getURI(), "/v1/services/api/logs/tail");
            assertThat(fourth.statusCode()).isEqualTo(429);
            assertThat(fourth.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                    assertThat(type).startsWith("application/problem+json"));
        } finally {
            for (InputStream stream : open) {
                stream.close();
            }
        }
    }

    @Test
    void lokisWebSocketTailSendsTheRecentRecordsThenNewOnesInLokiFrames() throws Exception {
        long t = System.currentTimeMillis();
        watermarkBack(t - 30_000);
        fixture.store(List.of(record("pay", LogLevel.WARN, "earlier timeout", t - 40_000),
                record("pay", LogLevel.WARN, "earlier ok", t - 39_000)));
        BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
        String query = URLEncoder.encode("{service=\"pay\"} |= \"timeout\"", StandardCharsets.UTF_8);
        WebSocket socket = lokiTail(query + "&limit=10&start=" + (t - 60_000) * 1_000_000L, frames, TestAuth.token());
        try {
            JsonNode initial = frames.poll(10, TimeUnit.SECONDS);
            assertThat(initial).isNotNull();
            assertThat(initial.path("streams").get(0).path("stream").path("service").asText()).isEqualTo("pay");
            assertThat(initial.path("streams").get(0).path("values").get(0).get(1).asText()).isEqualTo("earlier timeout");

            fixture.store(List.of(record("pay", LogLevel.ERROR, "new timeout", t - 20_000),
                    record("pay", LogLevel.ERROR, "new ok", t - 19_000)));
            fixture.watermark("shardId-000000000000", t - 5_000, false);
            JsonNode next = frames.poll(10, TimeUnit.SECONDS);
            assertThat(next).isNotNull();
            assertThat(next.path("streams").get(0).path("values").get(0).get(0).asText())
                    .isEqualTo((t - 20_000) + "000000");
            assertThat(next.path("streams").get(0).path("values").get(0).get(1).asText()).isEqualTo("new timeout");
            assertThat(next.path("streams").get(0).path("values")).hasSize(1);
        } finally {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
    }

    @Test
    void aLastEventIdOlderThanTheResumeWindowIsRefusedInsteadOfReplayingTheHistory() throws Exception {
        HttpResponse<String> ancient = ApiClient.get(server.getURI(), "/v1/services/api/logs/tail", TestAuth.token(),
                "Last-Event-ID", "0000000000000#x");
        assertThat(ancient.statusCode()).isEqualTo(400);
        assertThat(ancient.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/problem+json"));
        assertThat(ancient.body()).contains("resume window").contains("/v1/services/api/logs?from=");
    }

    @Test
    void aTailFarBehindCatchesUpOverSeveralPollsInOrderWithNoGapAndNoRepeat() throws Exception {
        long t = System.currentTimeMillis();
        List<LogRecord> backlog = new ArrayList<>();
        for (int i = 0; i < 1300; i++) {
            backlog.add(record("backlog", LogLevel.INFO, "b" + i, t - 300_000 + i * 10L));
        }
        fixture.store(backlog);
        fixture.watermark("shardId-000000000000", t - 60_000, false);
        assertTheTailResumedBeforeReleasesExactly("backlog", t - 300_001, backlog);
    }

    /** A tail resumed just before {@code from} sends {@code backlog}, all of it, in order, once. */
    private void assertTheTailResumedBeforeReleasesExactly(String service, long from, List<LogRecord> backlog)
            throws Exception {
        List<InputStream> open = new ArrayList<>();
        try {
            BlockingQueue<Event> events = sse("/v1/services/" + service + "/logs/tail", LogKeys.sortKey(from, "0"), open);
            List<Event> got = records(events, backlog.size(), Duration.ofSeconds(30));
            assertThat(got).extracting(e -> json.readTree(e.data()).path("message").asText())
                    .containsExactlyElementsOf(backlog.stream().map(LogRecord::message).toList());
        } finally {
            for (InputStream stream : open) {
                stream.close();
            }
        }
    }

    @Test
    void aTailOfAWriteShardedServiceReleasesEveryBucketInOrderAcrossBucketChanges() throws Exception {
        long t = System.currentTimeMillis();
        long start = t - 300_000;
        Buckets.Table epochs = Buckets.Table.of(List.of(new Buckets.Epoch(start + 3_000, 4),
                new Buckets.Epoch(start + 6_000, 16), new Buckets.Epoch(start + 9_000, 2)));
        List<LogRecord> backlog = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            backlog.add(record("shardedtail", LogLevel.INFO, "s" + i, start + i * 10L));
        }
        // epochs in the past, so written first and given the readers' refresh (1 s) to be known, as the consumer's
        // lead of 7 s does for real ones
        epochs.epochs().forEach(epoch -> fixture.epoch("shardedtail", epoch));
        Thread.sleep(1_500);
        fixture.storeSharded(backlog, epochs);
        assertThat(fixture.itemsOf(Buckets.partitionKey("shardedtail", 15))).isNotEmpty();
        fixture.watermark("shardId-000000000000", t - 60_000, false);
        assertTheTailResumedBeforeReleasesExactly("shardedtail", start - 1, backlog);
    }

    @Test
    void aMultiServiceTailReleasesOnlyWhatIsCompleteOverAllItsServicesWhenItsPollIsCut() throws Exception {
        long t = System.currentTimeMillis();
        watermarkBack(t - 400_000);
        BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
        String query = URLEncoder.encode("{service=~\"mix-a|mix-b\"}", StandardCharsets.UTF_8);
        WebSocket socket = lokiTail(query + "&limit=10&start=" + (t - 500_000) * 1_000_000L, frames, TestAuth.token());
        try {
            List<LogRecord> sent = new ArrayList<>();
            for (int i = 0; i < 1400; i++) {
                // uneven: mix-a is dense early, mix-b late, so a cut page of one must hold back the other
                String service = (i < 700) == (i % 7 != 0) ? "mix-a" : "mix-b";
                sent.add(record(service, LogLevel.INFO, service + "-" + i, t - 300_000 + i * 10L));
            }
            fixture.store(sent);
            fixture.watermark("shardId-000000000000", t - 60_000, false);
            List<String> got = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (got.size() < sent.size() && System.nanoTime() < deadline) {
                JsonNode frame = frames.poll(200, TimeUnit.MILLISECONDS);
                if (frame == null) {
                    continue;
                }
                List<String[]> entries = new ArrayList<>();
                for (JsonNode stream : frame.path("streams")) {
                    for (JsonNode value : stream.path("values")) {
                        entries.add(new String[]{value.get(0).asText(), value.get(1).asText()});
                    }
                }
                entries.sort(java.util.Comparator.comparing((String[] e) -> e[0]));
                entries.forEach(e -> got.add(e[1]));
            }
            assertThat(got).as("every record once, in time order across both services")
                    .containsExactlyElementsOf(sent.stream().map(LogRecord::message).toList());
        } finally {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
    }

    @Test
    void tailsEndWhenTheirTokenExpires() throws Exception {
        long t = System.currentTimeMillis();
        fixture.watermark("shardId-000000000000", t, false);
        String brief = TestAuth.IDENTITY.token("brief", io.logstream.localaws.LocalIdentity.ALL_SERVICES, Duration.ofSeconds(3));
        List<InputStream> open = new ArrayList<>();
        try {
            BlockingQueue<Event> events = sse("/v1/services/api/logs/tail", null, open, brief);
            List<String> names = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!names.contains("closed") && System.nanoTime() < deadline) {
                Event event = events.poll(200, TimeUnit.MILLISECONDS);
                if (event != null) {
                    names.add(event.name());
                }
            }
            assertThat(names).as("the stream ends with an expired event, then closes").contains("expired", "closed");
            assertThat(names.subList(names.indexOf("expired"), names.size())).doesNotContain("heartbeat", "message");
        } finally {
            for (InputStream stream : open) {
                stream.close();
            }
        }
        BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
        java.util.concurrent.CompletableFuture<String> closed = new java.util.concurrent.CompletableFuture<>();
        String briefToo = TestAuth.IDENTITY.token("brief", io.logstream.localaws.LocalIdentity.ALL_SERVICES, Duration.ofSeconds(3));
        ApiClient.http().newWebSocketBuilder().header("Authorization", "Bearer " + briefToo)
                .buildAsync(URI.create(server.getURI().toString().replace("http", "ws") + "/loki/api/v1/tail?query="
                        + URLEncoder.encode("{service=\"api\"}", StandardCharsets.UTF_8)), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closed.complete(statusCode + " " + reason);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        assertThat(closed.get(15, TimeUnit.SECONDS)).isEqualTo("1008 token expired");
    }

    private WebSocket lokiTail(String parameters, BlockingQueue<JsonNode> frames, String token) throws Exception {
        return ApiClient.http().newWebSocketBuilder().header("Authorization", "Bearer " + token)
                .buildAsync(URI.create(server.getURI().toString().replace("http", "ws") + "/loki/api/v1/tail?query="
                        + parameters), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            try {
                                frames.add(json.readTree(text.toString()));
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            text.setLength(0);
                        }
                        webSocket.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
    }
}
