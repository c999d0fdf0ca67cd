package io.logstream.query;

import io.logstream.model.LogLevel;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document restates, as a pattern, the level names the parser accepts (src/main/openapi/logs.yml): the
 * two must name the same set, or schemathesis would find requests the document allows and the API refuses.
 */
class OpenApiLevelPatternTest {

    @SuppressWarnings("unchecked")
    private static Pattern levelPattern() throws Exception {
        try (InputStream spec = OpenApiLevelPatternTest.class.getResourceAsStream(
                "/META-INF/swagger/log-stream-query-api-1.yml")) {
            Map<String, Object> document = new Yaml().load(spec);
            Map<String, Object> get = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>)
                    document.get("paths")).get("/v1/services/{service}/logs")).get("get");
            Map<String, Object> level = ((List<Map<String, Object>>) get.get("parameters")).stream()
                    .filter(p -> "level".equals(p.get("name"))).findFirst().orElseThrow();
            Map<String, Object> items = (Map<String, Object>) ((Map<String, Object>) level.get("schema")).get("items");
            return Pattern.compile((String) items.get("pattern"));
        }
    }

    @Test
    void theDocumentedLevelPatternAcceptsExactlyTheNamesTheParserAccepts() throws Exception {
        Pattern pattern = levelPattern();
        for (String name : LogLevel.acceptedNames()) {
            String mixed = name.charAt(0) + name.substring(1).toLowerCase(Locale.ROOT);
            for (String spelling : List.of(name, name.toLowerCase(Locale.ROOT), mixed)) {
                assertThat(pattern.matcher(spelling).matches()).as(spelling).isTrue();
                assertThat(LogLevel.parse(spelling)).as(spelling).isPresent();
            }
            for (String nearMiss : List.of(name + "X", "X" + name, " " + name, name + " ", name.substring(1))) {
                assertThat(pattern.matcher(nearMiss).matches())
                        .as(nearMiss).isEqualTo(LogLevel.acceptedNames().contains(nearMiss));
            }
        }
        assertThat(pattern.matcher("LOUD").matches()).isFalse();
        assertThat(pattern.matcher("").matches()).isFalse();
    }
}
