package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules listings Grafana's alerting UI and Loki's ruler clients read: the file's groups, in Loki's YAML and in
 * Prometheus's JSON, each shown only to a token that may read every service its rules read.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RulesApiTest implements TestPropertyProvider {
    private final ReadsFixture fixture = ReadsFixture.create("rules");
    private final ObjectMapper json = new ObjectMapper();

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        try {
            Path file = Files.createTempDirectory("rules").resolve("platform.yaml");
            Files.writeString(file, """
                    groups:
                      - name: checkout
                        interval: 30s
                        rules:
                          - alert: CheckoutErrors
                            expr: sum(rate({service="checkout", level="ERROR"}[5m])) > 1
                            for: 5m
                            labels: {severity: page}
                            annotations: {summary: checkout errors}
                          - record: checkout:lines:rate1m
                            expr: sum(rate({service="checkout"}[1m]))
                      - name: everything
                        rules:
                          - alert: AnyFatal
                            expr: sum(count_over_time({service=~".+", level="FATAL"}[1m])) > 0
                    """);
            Map<String, String> properties = fixture.queryProperties();
            properties.put("log-stream.rules.file", file.toString());
            properties.put("log-stream.rules.evaluate", "false"); // listed, never evaluated: the states stay unknown
            return properties;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void prometheusListingHasEveryGroupAndRuleInItsShape() throws Exception {
        HttpResponse<String> response = ApiClient.get(server.getURI(), "/prometheus/api/v1/rules", TestAuth.token());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode groups = json.readTree(response.body()).path("data").path("groups");
        assertThat(groups.findValuesAsText("name")).contains("checkout", "everything");
        JsonNode checkout = groups.get(0);
        assertThat(checkout.path("file").asText()).isEqualTo("platform");
        assertThat(checkout.path("interval").asLong()).isEqualTo(30);
        JsonNode alert = checkout.path("rules").get(0);
        assertThat(alert.path("type").asText()).isEqualTo("alerting");
        assertThat(alert.path("name").asText()).isEqualTo("CheckoutErrors");
        assertThat(alert.path("duration").asLong()).isEqualTo(300);
        assertThat(alert.path("labels").path("severity").asText()).isEqualTo("page");
        assertThat(alert.path("state").asText()).isEqualTo("inactive");
        assertThat(alert.path("health").asText()).isEqualTo("unknown");
        assertThat(checkout.path("rules").get(1).path("type").asText()).isEqualTo("recording");
        assertThat(groups.get(1).path("interval").asLong()).isEqualTo(60);
    }

    @Test
    void lokiListingIsTheRuleFileByNamespace() throws Exception {
        HttpResponse<String> response = ApiClient.get(server.getURI(), "/loki/api/v1/rules", TestAuth.token());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/yaml"));
        Map<String, List<Map<String, Object>>> namespaces = new Yaml().load(response.body());
        assertThat(namespaces).containsOnlyKeys("platform");
        Map<String, Object> checkout = namespaces.get("platform").get(0);
        assertThat(checkout).containsEntry("name", "checkout").containsEntry("interval", "30s");
        List<?> rules = (List<?>) checkout.get("rules");
        assertThat(rules.get(0)).isEqualTo(Map.of("alert", "CheckoutErrors",
                "expr", "sum(rate({service=\"checkout\", level=\"ERROR\"}[5m])) > 1", "for", "300s",
                "labels", Map.of("severity", "page"), "annotations", Map.of("summary", "checkout errors")));
    }

    @Test
    void aTokenSeesOnlyTheGroupsWhoseServicesItMayReadAndNoTokenNothing() throws Exception {
        HttpResponse<String> checkoutOnly = ApiClient.get(server.getURI(), "/prometheus/api/v1/rules",
                TestAuth.tokenFor("checkout"));
        assertThat(json.readTree(checkoutOnly.body()).path("data").path("groups").findValuesAsText("name"))
                .contains("checkout").doesNotContain("everything");
        HttpResponse<String> other = ApiClient.get(server.getURI(), "/loki/api/v1/rules", TestAuth.tokenFor("payments"));
        assertThat(other.statusCode()).isEqualTo(404);
        HttpResponse<String> anonymous = ApiClient.get(server.getURI(), "/prometheus/api/v1/rules", null);
        assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);
        assertThat(ApiClient.get(server.getURI(), "/loki/api/v1/rules", null).statusCode()).isEqualTo(401);
    }
}
