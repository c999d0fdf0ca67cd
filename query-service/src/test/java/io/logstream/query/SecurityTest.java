package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.logstream.localaws.LocalIdentity;
import io.logstream.query.security.ValidatedTokens;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.security.token.jwt.validator.ReactiveJsonWebTokenValidator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Who may read what, and what every error looks like: only health and metrics are anonymous, reads need a valid
 * bearer token whose services claim covers the service, and every error (the framework's too) is a problem+json
 * body that carries no exception text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ReadsFixture fixture = ReadsFixture.create("security");
    private ApplicationContext context;
    private URI base;

    @BeforeAll
    void start() {
        context = ApplicationContext.run(properties(TestAuth.properties()));
        base = context.getBean(EmbeddedServer.class).start().getURI();
    }

    @AfterAll
    void stop() {
        context.close();
    }

    private Map<String, Object> properties(Map<String, String> auth) {
        Map<String, Object> properties = new HashMap<>(fixture.storageProperties());
        properties.put("micronaut.server.port", -1);
        properties.put("log-stream.test.boom", "true");
        properties.putAll(auth);
        return properties;
    }

    private HttpResponse<String> send(String method, String path, String token, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode problem(HttpResponse<String> response, int status) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("status").asInt()).isEqualTo(status);
        assertThat(body.path("type").asText()).startsWith("/problems/");
        assertThat(body.path("title").asText()).isNotBlank();
        assertThat(body.path("detail").asText()).isNotBlank();
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("io.micronaut")
                .doesNotContain("java.");
        return body;
    }

    @Test
    void onlyHealthAndMetricsAreAnonymousAndHealthShowsThemNoDetails() throws Exception {
        for (String path : List.of("/health", "/health/liveness", "/health/readiness")) {
            HttpResponse<String> health = send("GET", path, null);
            assertThat(health.statusCode()).as(path).isEqualTo(200);
            assertThat(JSON.readTree(health.body()).path("status").asText()).isEqualTo("UP");
            assertThat(health.body()).as(path).doesNotContain("dynamodb").doesNotContain(fixture.table());
        }
        assertThat(send("GET", "/prometheus", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/health", TestAuth.token()).body()).contains("dynamodb").contains(fixture.table());

        problem(send("GET", "/v1/services/api/logs", null), 401);
        problem(send("GET", "/swagger/log-stream-query-api-1.yml", null), 401);
    }

    @Test
    void everyOtherManagementEndpointIsGoneForAnonymousAndAuthenticatedCallersAlike() throws Exception {
        for (String token : new String[]{null, TestAuth.token()}) {
            for (String path : List.of("/beans", "/routes", "/threaddump", "/env", "/loggers", "/info", "/metrics",
                    "/caches", "/refresh", "/stop")) {
                HttpResponse<String> response = send("GET", path, token);
                assertThat(response.statusCode()).as("GET %s", path).isIn(401, 404);
                problem(response, response.statusCode());
            }
            HttpResponse<String> refresh = send("POST", "/refresh", token);
            assertThat(refresh.statusCode()).isIn(401, 404);
            assertThat(send("POST", "/stop", token).statusCode()).isIn(401, 404);
        }
    }

    @Test
    void aMissingForgedOrExpiredTokenIs401WithABearerChallenge() throws Exception {
        HttpResponse<String> anonymous = send("GET", "/v1/services/api/logs", null);
        problem(anonymous, 401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");

        try (LocalIdentity stranger = LocalIdentity.start()) {
            problem(send("GET", "/v1/services/api/logs", stranger.token("mallory", null)), 401);
        }
        String expired = TestAuth.IDENTITY.sign(new JWTClaimsSet.Builder().subject("late").issuer(LocalIdentity.ISSUER)
                .expirationTime(Date.from(Instant.now().minusSeconds(600))).build());
        problem(send("GET", "/v1/services/api/logs", expired), 401);
        problem(send("GET", "/v1/services/api/logs", "not.a.jwt"), 401);
    }

    /** The Loki API takes the token as a basic-auth password too, as hosted Loki does, with the same checks. */
    @Test
    void theLokiApiTakesTheTokenAsBasicAuthPasswordWithTheSameChecks() throws Exception {
        String path = "/loki/api/v1/query_range?query=" + java.net.URLEncoder.encode("{service=\"api\"}",
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(send("GET", path, TestAuth.token()).statusCode()).isEqualTo(200);
        assertThat(basic("GET", path, "anyone:" + TestAuth.token()).statusCode()).isEqualTo(200);
        assertThat(basic("GET", path, ":" + TestAuth.token()).statusCode()).isEqualTo(200);

        problem(basic("GET", path, ":"), 401); // what logcli sends without a password
        problem(basic("GET", path, "no colon at all"), 401);
        problem(basic("GET", path, "u:not.a.jwt"), 401);
        String expired = TestAuth.IDENTITY.sign(new JWTClaimsSet.Builder().subject("late").issuer(LocalIdentity.ISSUER)
                .audience(LocalIdentity.AUDIENCE).expirationTime(Date.from(Instant.now().minusSeconds(600))).build());
        problem(basic("GET", path, "u:" + expired), 401);
        try (LocalIdentity stranger = LocalIdentity.start()) {
            problem(basic("GET", path, "u:" + stranger.token("mallory", null)), 401);
        }
        HttpResponse<String> garbled = send("GET", path, null, "Authorization", "Basic %%%not-base64");
        problem(garbled, 401);
        // the services claim applies as with the bearer header: a token for checkout may not name api
        problem(basic("GET", path, "u:" + TestAuth.tokenFor("checkout")), 403);
        // the REST API takes the bearer header only
        problem(basic("GET", "/v1/services/api/logs", "u:" + TestAuth.token()), 401);
    }

    private HttpResponse<String> basic(String method, String path, String credentials) throws Exception {
        return send(method, path, null, "Authorization", "Basic " + java.util.Base64.getEncoder()
                .encodeToString(credentials.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void aTokenCacheTtlOfZeroLeavesTheValidatorsAsMicronautBuiltThem() {
        Map<String, Object> properties = properties(TestAuth.properties());
        properties.put("log-stream.auth.token-cache-ttl", "0s");
        try (ApplicationContext uncached = ApplicationContext.run(properties)) {
            assertThat(uncached.getBeansOfType(ReactiveJsonWebTokenValidator.class)).isNotEmpty()
                    .doesNotHaveAnyElementsOfTypes(ValidatedTokens.Remembering.class);
        }
    }

    @Test
    void anAcceptedTokenIsRefusedFromTheSecondItExpires() throws Exception {
        // accepted tokens are remembered (ValidatedTokens), but never past their exp
        assertThat(context.getBeansOfType(ReactiveJsonWebTokenValidator.class))
                .hasAtLeastOneElementOfType(ValidatedTokens.Remembering.class);
        String brief = TestAuth.IDENTITY.token("brief", LocalIdentity.ALL_SERVICES, Duration.ofSeconds(2));
        Instant expires = SignedJWT.parse(brief).getJWTClaimsSet().getExpirationTime().toInstant();
        assertThat(send("GET", "/v1/services/api/logs", brief).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/v1/services/api/logs", brief).statusCode()).isEqualTo(200);
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), expires).toMillis()) + 50);
        problem(send("GET", "/v1/services/api/logs", brief), 401);
    }

    @Test
    void theServicesClaimLimitsWhatATokenMayRead() throws Exception {
        String checkoutOnly = TestAuth.tokenFor("checkout", "payments");
        assertThat(send("GET", "/v1/services/checkout/logs", checkoutOnly).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/v1/services/payments/logs", checkoutOnly).statusCode()).isEqualTo(200);
        JsonNode forbidden = problem(send("GET", "/v1/services/api/logs", checkoutOnly), 403);
        assertThat(forbidden.path("instance").asText()).isEqualTo("/v1/services/api/logs");
        assertThat(send("GET", "/v1/services/api/logs", TestAuth.tokenFor("*")).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/v1/services/api/logs", TestAuth.token()).statusCode()).isEqualTo(200);
        String spaceSeparated = TestAuth.IDENTITY.sign(claims("s").claim("services", "api other").build());
        assertThat(send("GET", "/v1/services/other/logs", spaceSeparated).statusCode()).isEqualTo(200);
        problem(send("GET", "/v1/services/checkout/logs", spaceSeparated), 403);
    }

    @Test
    void frameworkErrorsAreProblemsToo() throws Exception {
        String token = TestAuth.token();
        problem(send("GET", "/v1/nothing/here", token), 404);
        HttpResponse<String> notAllowed = send("DELETE", "/v1/services/api/logs", token);
        problem(notAllowed, 405);
        problem(send("GET", "/v1/services/api/logs", token, "Accept", "text/xml"), 406);
        HttpResponse<String> unsupported = http.send(HttpRequest.newBuilder(base.resolve("/test-only/echo"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "text/xml")
                .POST(HttpRequest.BodyPublishers.ofString("<x/>")).build(), HttpResponse.BodyHandlers.ofString());
        problem(unsupported, 415);
        problem(send("GET", "/v1/services/api/logs?limit=0", token), 400);
    }

    @Test
    void anUnexpectedFailureIsA500ThatSaysNothingAboutIt() throws Exception {
        JsonNode body = problem(send("GET", "/test-only/boom", TestAuth.token()), 500);
        assertThat(body.toString()).doesNotContain(BoomController.SECRET).doesNotContain("IllegalState");
    }

    @Test
    void anUnreachableStoreIsA503WithRetryAfter() throws Exception {
        Map<String, String> auth = new HashMap<>(TestAuth.properties());
        auth.put("aws.services.dynamodb.endpoint-override", "http://127.0.0.1:" + io.logstream.localaws.FreePorts.next());
        try (ApplicationContext broken = ApplicationContext.run(properties(auth))) {
            URI brokenBase = broken.getBean(EmbeddedServer.class).start().getURI();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(brokenBase.resolve("/v1/services/api/logs"))
                    .header("Authorization", "Bearer " + TestAuth.token()).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = problem(response, 503);
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
            assertThat(body.toString()).doesNotContain("127.0.0.1");
            assertThat(http.send(HttpRequest.newBuilder(brokenBase.resolve("/health/readiness")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);
            assertThat(http.send(HttpRequest.newBuilder(brokenBase.resolve("/health/liveness")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withoutAnAuthSettingTheServiceRefusesToStart() {
        assertThatThrownBy(() -> ApplicationContext.run(properties(Map.of())).close())
                .hasStackTraceContaining("QUERY_AUTH must be");
        assertThatThrownBy(() -> ApplicationContext.run(properties(Map.of("log-stream.auth.mode", "jwt"))).close())
                .hasStackTraceContaining("QUERY_JWKS_URL");
    }

    @Test
    void anExplicitNoneOpensReads() throws Exception {
        try (ApplicationContext open = ApplicationContext.run(properties(Map.of("log-stream.auth.mode", "none")))) {
            URI openBase = open.getBean(EmbeddedServer.class).start().getURI();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(openBase.resolve("/v1/services/api/logs"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(http.send(HttpRequest.newBuilder(openBase.resolve("/beans")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        }
    }

    /** Claims of a token this API accepts: its issuer and audience, an hour to live. */
    private static JWTClaimsSet.Builder claims(String subject) {
        return new JWTClaimsSet.Builder().subject(subject).issuer(LocalIdentity.ISSUER).audience(LocalIdentity.AUDIENCE)
                .expirationTime(Date.from(Instant.now().plusSeconds(3600)));
    }

    @Test
    void aTokenIsRefusedBeforeItsNotBeforeTimeAndWithoutAnExpiry() throws Exception {
        String early = TestAuth.IDENTITY.sign(claims("early").notBeforeTime(Date.from(Instant.now().plusSeconds(3600)))
                .claim("services", List.of("*")).build());
        problem(send("GET", "/v1/services/api/logs", early), 401);
        String forever = TestAuth.IDENTITY.sign(new JWTClaimsSet.Builder().subject("forever").issuer(LocalIdentity.ISSUER)
                .audience(LocalIdentity.AUDIENCE).claim("services", List.of("*")).build());
        problem(send("GET", "/v1/services/api/logs", forever), 401);
        String fine = TestAuth.IDENTITY.sign(claims("fine").notBeforeTime(Date.from(Instant.now().minusSeconds(5)))
                .claim("services", List.of("*")).build());
        assertThat(send("GET", "/v1/services/api/logs", fine).statusCode()).isEqualTo(200);
    }

    @Test
    void aTokenForAnotherIssuerOrAudienceIsRefused() throws Exception {
        String otherAudience = TestAuth.IDENTITY.sign(claims("x").audience("some-other-app")
                .claim("services", List.of("*")).build());
        problem(send("GET", "/v1/services/api/logs", otherAudience), 401);
        String otherIssuer = TestAuth.IDENTITY.sign(claims("x").issuer("someone-else").claim("services", List.of("*"))
                .build());
        problem(send("GET", "/v1/services/api/logs", otherIssuer), 401);
        String noAudience = TestAuth.IDENTITY.sign(claims("x").audience((String) null).claim("services", List.of("*"))
                .build());
        problem(send("GET", "/v1/services/api/logs", noAudience), 401);
    }

    @Test
    void aTokenWithoutTheServicesClaimReadsNothing() throws Exception {
        Map<String, JWTClaimsSet> tokens = Map.of(
                "absent", claims("a").build(),
                "null", claims("n").claim("services", null).build(),
                "other case", claims("c").claim("Services", List.of("*")).build(),
                "empty", claims("e").claim("services", List.of()).build());
        for (Map.Entry<String, JWTClaimsSet> token : tokens.entrySet()) {
            String signed = TestAuth.IDENTITY.sign(token.getValue());
            problem(send("GET", "/v1/services/api/logs", signed), 403);
            problem(send("GET", "/loki/api/v1/query_range?query=%7Bservice%3D%22api%22%7D", signed), 403);
            HttpResponse<String> services = send("GET", "/v1/services", signed);
            assertThat(services.statusCode()).as(token.getKey()).isEqualTo(200);
            assertThat(JSON.readTree(services.body()).path("services").isArray()).as(token.getKey()).isTrue();
            assertThat(JSON.readTree(services.body()).path("services")).as(token.getKey()).isEmpty();
        }
        Map<String, Object> properties = properties(TestAuth.properties());
        properties.put("log-stream.auth.missing-services-claim", "ALL");
        try (ApplicationContext lenient = ApplicationContext.run(properties)) {
            URI lenientBase = lenient.getBean(EmbeddedServer.class).start().getURI();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(lenientBase.resolve("/v1/services/api/logs"))
                    .header("Authorization", "Bearer " + TestAuth.IDENTITY.sign(claims("a").build())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("only when a setting says so").isEqualTo(200);
        }
    }

    @Test
    void anEmptyCatalogueIsAnEmptyListOfServices() throws Exception {
        HttpResponse<String> response = send("GET", "/v1/services", TestAuth.token());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.has("services")).as(response.body()).isTrue();
        assertThat(body.path("services").isArray()).isTrue();
        assertThat(body.path("completeUntil").asText()).isNotBlank();
    }

    @Test
    void aJwksThatNeverAnswersFailsRequestsFastAndReadinessShowsIt() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                List<java.net.Socket> held = new java.util.ArrayList<>();
                try {
                    while (true) {
                        held.add(silent.accept()); // accepted, never answered
                    }
                } catch (Exception e) {
                    // closed by the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            Map<String, String> auth = new HashMap<>(TestAuth.properties());
            auth.put("micronaut.security.token.jwt.signatures.jwks.idp.url",
                    "http://127.0.0.1:" + silent.getLocalPort() + "/jwks.json");
            Map<String, Object> properties = properties(auth);
            properties.put("log-stream.auth.jwks-read-timeout", "1s");
            properties.put("log-stream.auth.token-cache-ttl", "0s");
            try (ApplicationContext hung = ApplicationContext.run(properties)) {
                URI hungBase = hung.getBean(EmbeddedServer.class).start().getURI();
                HttpClient bounded = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                for (int i = 0; i < 3; i++) {
                    long began = System.nanoTime();
                    HttpResponse<String> response = bounded.send(HttpRequest.newBuilder(hungBase.resolve("/v1/services/api/logs"))
                            .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TestAuth.token()).build(),
                            HttpResponse.BodyHandlers.ofString());
                    long millis = (System.nanoTime() - began) / 1_000_000;
                    assertThat(response.statusCode()).as(response.body()).isIn(401, 503);
                    assertThat(millis).as("request %d took %d ms against a JWKS that never answers", i, millis)
                            .isLessThan(10_000);
                }
                HttpResponse<String> readiness = bounded.send(HttpRequest.newBuilder(hungBase.resolve("/health/readiness"))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(readiness.statusCode()).isEqualTo(503);
            }
        }
    }

    @Test
    void unsafeSettingsStopTheServiceAtStartUp() {
        Map<String, String> noIssuer = new HashMap<>(TestAuth.properties());
        noIssuer.remove("micronaut.security.token.jwt.claims-validators.issuer");
        assertThatThrownBy(() -> ApplicationContext.run(properties(noIssuer)).close())
                .hasStackTraceContaining("QUERY_JWT_ISSUER");
        Map<String, String> noAudience = new HashMap<>(TestAuth.properties());
        noAudience.remove("micronaut.security.token.jwt.claims-validators.audience");
        assertThatThrownBy(() -> ApplicationContext.run(properties(noAudience)).close())
                .hasStackTraceContaining("QUERY_JWT_AUDIENCE");
        Map<String, String> plainHttp = new HashMap<>(TestAuth.properties());
        plainHttp.put("micronaut.security.token.jwt.signatures.jwks.idp.url", "http://idp.example.com/jwks.json");
        assertThatThrownBy(() -> ApplicationContext.run(properties(plainHttp)).close())
                .hasStackTraceContaining("must be https");
        Map<String, Object> shortSecret = properties(TestAuth.properties());
        shortSecret.put("log-stream.cursor-secret", "x");
        assertThatThrownBy(() -> ApplicationContext.run(shortSecret).close())
                .hasStackTraceContaining("CURSOR_SECRET must be at least 32 characters");
    }

    @Test
    void anOversizedUrlIs414AndOversizedHeadersAre431() throws Exception {
        java.util.function.Function<String, String> raw = request -> {
            try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        String longUrl = raw.apply("GET /loki/api/v1/query_range?query=" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(longUrl).startsWith("HTTP/1.1 414").contains("application/problem+json").contains("\"status\":414");
        String bigHeaders = raw.apply("GET /v1/services HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(10_000) + "\r\n\r\n");
        assertThat(bigHeaders).startsWith("HTTP/1.1 431").contains("application/problem+json").contains("\"status\":431");
        // a LogQL query at its own limit of 4,096 characters is reachable through the URL, and answered by LogQL
        String atLimit = "{service=\"api\"} |= \"" + "x".repeat(4_100) + "\"";
        HttpResponse<String> tooLong = send("GET", "/loki/api/v1/query_range?query="
                + java.net.URLEncoder.encode(atLimit, java.nio.charset.StandardCharsets.UTF_8), TestAuth.token());
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.body()).contains("longer than 4096 characters");
    }
}
