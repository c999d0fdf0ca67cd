package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Generated parameter values fired at the running service: every answer is a page or a 400 problem, never a 5xx. */
class LogsApiFuzzTest {
    private static ApplicationContext context;
    private static URI base;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = TestAuth.token();

    @BeforeContainer
    static void start() {
        Map<String, Object> properties = new HashMap<>(ReadsFixture.create("fuzz").queryProperties());
        properties.put("micronaut.server.port", -1);
        context = ApplicationContext.run(properties);
        EmbeddedServer server = context.getBean(EmbeddedServer.class).start();
        base = server.getURI();
    }

    @AfterContainer
    static void stop() {
        context.close();
    }

    @Provide
    Arbitrary<String> values() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(40),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(30),
                Arbitraries.longs().map(Object::toString),
                Arbitraries.integers().between(-5, 1005).map(Object::toString),
                Arbitraries.of("2024-08-07T17:00:00Z", "2024-08-07T17:00:00+02:00", "2024-13-40T99:00:00Z", "0",
                        "9999999999999", "10000000000000", "backward", "forward", "FORWARD", "error", "warn,info",
                        "ERROR,,", "", " ", "null", "a.b", "%", "\u0000", "\uD83D\uDE00", "1e3", "-1", "0x10"));
    }

    @Provide
    Arbitrary<Map<String, List<String>>> parameters() {
        Arbitrary<String> names = Arbitraries.oneOf(
                Arbitraries.of("limit", "from", "to", "direction", "level", "cursor"),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8));
        Arbitrary<Tuple.Tuple2<String, List<String>>> entry = Combinators.combine(names,
                values().list().ofMinSize(1).ofMaxSize(2)).as(Tuple::of);
        return entry.list().ofMaxSize(5).map(entries -> entries.stream()
                .collect(Collectors.toMap(Tuple.Tuple2::get1, Tuple.Tuple2::get2, (a, b) -> a)));
    }

    @Provide
    Arbitrary<String> services() {
        return Arbitraries.oneOf(Arbitraries.of("api", "other", "a.b-c:d_e"),
                Arbitraries.strings().ofMinLength(1).ofMaxLength(140));
    }

    @Property(tries = 400)
    void noParametersYieldA5xx(@ForAll("services") String service,
                               @ForAll("parameters") Map<String, List<String>> parameters) throws Exception {
        String query = parameters.entrySet().stream().flatMap(e -> e.getValue().stream()
                .map(v -> encode(e.getKey()) + "=" + encode(v))).collect(Collectors.joining("&"));
        URI uri = URI.create(base + "/v1/services/" + encode(service) + "/logs" + (query.isEmpty() ? "" : "?" + query));
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as("%s -> %s", uri, response.body()).isIn(200, 400, 404);
        if (response.statusCode() == 200) {
            JsonNode page = JSON.readTree(response.body());
            assertThat(page.path("items").isArray()).isTrue();
            assertThat(page.has("nextCursor")).isTrue();
        } else if (response.statusCode() == 400) {
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/problem+json"));
            JsonNode problem = JSON.readTree(response.body());
            assertThat(problem.path("status").asInt()).isEqualTo(400);
            assertThat(problem.path("invalid-params").size()).as(response.body()).isPositive();
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
