package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-token and per-instance limits: past them 429 problem+json with Retry-After, counted by limit in the metrics;
 * one token's burst does not use up another token's share; health and metrics are never limited.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestLimitsTest {
    private final ReadsFixture fixture = ReadsFixture.create("limits");
    private final ObjectMapper json = new ObjectMapper();
    private ApplicationContext context;
    private URI base;

    @BeforeAll
    void start() {
        Map<String, Object> properties = new HashMap<>(fixture.queryProperties());
        properties.put("micronaut.server.port", -1);
        properties.put("log-stream.limits.token-rate", "1");
        properties.put("log-stream.limits.token-burst", "3");
        properties.put("log-stream.limits.token-concurrency", "8");
        properties.put("log-stream.limits.instance-rate", "1000");
        properties.put("log-stream.limits.instance-concurrency", "64");
        context = ApplicationContext.run(properties);
        base = context.getBean(EmbeddedServer.class).start().getURI();
    }

    @AfterAll
    void stop() {
        context.close();
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        return ApiClient.get(base, path, token);
    }

    @Test
    void aTokenPastItsRateGets429WithRetryAfterWhileOtherTokensAreServed() throws Exception {
        String greedy = TestAuth.IDENTITY.token("greedy", List.of("*"));
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> refused = null;
        for (int i = 0; i < 8; i++) {
            HttpResponse<String> response = get("/v1/services/api/logs", greedy);
            statuses.add(response.statusCode());
            if (response.statusCode() == 429) {
                refused = response;
            }
        }
        assertThat(statuses.subList(0, 3)).containsOnly(200);
        assertThat(statuses).contains(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(value ->
                assertThat(Integer.parseInt(value)).isBetween(1, 5));
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = json.readTree(refused.body());
        assertThat(problem.path("status").asInt()).isEqualTo(429);
        assertThat(problem.path("detail").asText()).contains("requests a second");

        String modest = TestAuth.IDENTITY.token("modest", List.of("*"));
        assertThat(get("/v1/services/api/logs", modest).statusCode()).as("another token has its own share").isEqualTo(200);
        for (int i = 0; i < 10; i++) {
            assertThat(get("/health", null).statusCode()).isEqualTo(200);
        }
        String metrics = get("/prometheus", null).body();
        assertThat(metrics).containsPattern("logstream_query_rate_limited_total\\{limit=\"token-rate\"[^}]*\\} [1-9]");
    }

    @Test
    void aTokenPastItsConcurrencyGets429() throws Exception {
        Map<String, Object> properties = new HashMap<>(fixture.queryProperties());
        properties.put("micronaut.server.port", -1);
        properties.put("log-stream.limits.token-concurrency", "2");
        properties.put("log-stream.limits.token-rate", "1000");
        properties.put("log-stream.limits.token-burst", "1000");
        try (ApplicationContext narrow = ApplicationContext.run(properties)) {
            URI narrowBase = narrow.getBean(EmbeddedServer.class).start().getURI();
            String token = TestAuth.IDENTITY.token("parallel", List.of("*"));
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                inFlight.add(ApiClient.getAsync(narrowBase, "/loki/api/v1/query_range?query=%7Bservice%3D%22api%22%7D",
                        token));
            }
            List<Integer> statuses = inFlight.stream().map(CompletableFuture::join).map(HttpResponse::statusCode).toList();
            assertThat(statuses).containsOnly(200, 429).contains(200, 429);
        }
    }
}
