package io.logstream.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * LogQL pipelines against the stored records, on DynamoDB Local: generated pipelines (parsers, label filters on
 * structured metadata and parsed fields, numbers, durations, and/or, line filters, the error filter) are asked of the
 * API (also regexp and pattern parsers, and a line_format followed by a line filter on the line it writes), and each
 * answer is compared with an evaluation of the same pipeline written here, independently of the engine:
 * which records, and which of them carry {@code __error__}; and the count of a metric query over the pipeline, or its
 * refusal when a counted record carries an error.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LokiPipelineTest implements TestPropertyProvider {
    private static final long BASE = 1723050000000L;
    private static final long NS = 1_000_000L;
    private static final Pattern RID = Pattern.compile("\\br(\\d+)\\b");
    private static final String[] ROUTES = {"/pay", "/cart", "/health"};
    private static final int[] STATUSES = {200, 200, 404, 500, 503};

    private final ReadsFixture fixture = ReadsFixture.create("pipeline");
    private final List<LogRecord> records = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        Random random = new Random(7);
        for (int i = 0; i < 240; i++) {
            String route = ROUTES[random.nextInt(ROUTES.length)];
            int code = STATUSES[random.nextInt(STATUSES.length)];
            double took = random.nextInt(3000) / 1000.0;
            String message = switch (i % 3) {
                case 0 -> "{\"rid\":\"r" + i + "\",\"route\":\"" + route + "\",\"code\":" + code
                        + ",\"user\":{\"id\":\"u" + (i % 7) + "\"}}";
                case 1 -> "rid=r" + i + " route=" + route + " code=" + code + " took=" + took + "s";
                default -> "plain r" + i + " on " + route;
            };
            Map<String, Object> attributes = Map.of("status", new BigDecimal(code), "route", route,
                    "latencyMs", new BigDecimal(random.nextInt(2000)), "http", Map.of("method", i % 2 == 0 ? "GET" : "POST"));
            records.add(new LogRecord(i % 2 == 0 ? "checkout" : "payments", LogLevel.values()[i % 6], message,
                    BASE + i * 1000L, "id-" + i, null, "web-" + i % 2, attributes, null));
        }
        fixture.store(records);
        fixture.catalogue(LedgerKeys.SERVICES_PK, "checkout", BASE);
        fixture.catalogue(LedgerKeys.SERVICES_PK, "payments", BASE);
        fixture.watermark("shardId-000000000000", BASE + 600_000, false);
        return fixture.queryProperties();
    }

    /** One generated pipeline: its LogQL text and the same pipeline as a function of a record, evaluated here. */
    private record Case(String logql, java.util.function.Function<LogRecord, Outcome> reference) {
    }

    /** What the reference says of a record: dropped (null), or kept with or without an error. */
    private record Outcome(boolean error) {
    }

    /** The record's fields as a parser would read them here: JSON by Jackson's tree, logfmt by a regex. */
    private Map<String, String> parsed(LogRecord record, String parser) {
        Map<String, String> fields = new HashMap<>();
        if (parser.equals("json")) {
            try {
                JsonNode node = json.readTree(record.message());
                if (node == null || !node.isObject()) {
                    return null;
                }
                node.fields().forEachRemaining(e -> {
                    if (e.getValue().isObject()) {
                        e.getValue().fields().forEachRemaining(n -> fields.put(e.getKey() + "_" + n.getKey(),
                                n.getValue().asText()));
                    } else {
                        fields.put(e.getKey(), e.getValue().asText());
                    }
                });
            } catch (Exception e) {
                return null;
            }
        } else if (parser.startsWith("regexp")) {
            Matcher m = Pattern.compile("plain (r\\d+) on (/\\w+)").matcher(record.message());
            if (m.find()) {
                fields.put("rid", m.group(1));
                fields.put("route", m.group(2));
            }
        } else if (parser.startsWith("pattern")) {
            Matcher m = Pattern.compile("^rid=(\\S+) route=(\\S+) code=(\\S+) took=(.*)$").matcher(record.message());
            if (m.find()) {
                fields.put("rid", m.group(1));
                fields.put("route", m.group(2));
                fields.put("code", m.group(3));
                fields.put("took", m.group(4));
            }
        } else {
            Matcher m = Pattern.compile("(\\w+)=(\\S+)").matcher(record.message());
            while (m.find()) {
                fields.put(m.group(1), m.group(2));
            }
        }
        return fields;
    }

    private static Map<String, String> metadata(LogRecord record) {
        Map<String, String> metadata = new TreeMap<>();
        metadata.put("status", record.attributes().get("status").toString());
        metadata.put("route", (String) record.attributes().get("route"));
        metadata.put("latencyMs", record.attributes().get("latencyMs").toString());
        metadata.put("http_method", (String) ((Map<?, ?>) record.attributes().get("http")).get("method"));
        metadata.put("detected_level", record.level().name().toLowerCase(Locale.ROOT));
        return metadata;
    }

    /** A label filter's text and its meaning over the visible fields (null: not a number there). */
    private record Filter(String text, java.util.function.Function<Map<String, String>, Boolean> test,
                          boolean numeric) {
    }

    private static Double number(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Double.parseDouble(text.endsWith("s") ? text.substring(0, text.length() - 1) : text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Filter filter(Random random, String parser) {
        int kind = random.nextInt(parser.isEmpty() ? 4 : 6);
        switch (kind) {
            case 0 -> {
                int v = STATUSES[random.nextInt(STATUSES.length)];
                String op = List.of(">=", "<", "==", "!=").get(random.nextInt(4));
                return new Filter("status " + op + " " + v, f -> compare(number(f.get("status")), op, v), true);
            }
            case 1 -> {
                String route = ROUTES[random.nextInt(ROUTES.length)];
                boolean negate = random.nextBoolean();
                return new Filter("route" + (negate ? "!=" : "=") + "\"" + route + "\"",
                        f -> negate != route.equals(f.getOrDefault("route", "")), false);
            }
            case 2 -> {
                int v = random.nextInt(2000);
                return new Filter("latencyMs > " + v, f -> compare(number(f.get("latencyMs")), ">", v), true);
            }
            case 3 -> {
                String method = random.nextBoolean() ? "GET" : "P.*";
                return new Filter("http_method=~\"" + method + "\"",
                        f -> f.getOrDefault("http_method", "").matches(method), false);
            }
            case 4 -> {
                int v = STATUSES[random.nextInt(STATUSES.length)];
                return new Filter("code >= " + v, f -> compare(number(f.get("code")), ">=", v), true);
            }
            default -> {
                if (parser.equals("logfmt") || parser.startsWith("pattern")) {
                    int ms = random.nextInt(3000);
                    return new Filter("took > " + ms + "ms", f -> compare(number(f.get("took")), ">", ms / 1000.0), true);
                }
                String user = "u" + random.nextInt(7);
                return new Filter("user_id=\"" + user + "\"", f -> user.equals(f.getOrDefault("user_id", "")), false);
            }
        }
    }

    private static Boolean compare(Double value, String op, double v) {
        if (value == null) {
            return null;
        }
        return switch (op) {
            case ">=" -> value >= v;
            case ">" -> value > v;
            case "<" -> value < v;
            case "==" -> value == v;
            default -> value != v;
        };
    }

    private Case generate(Random random) {
        String parser = List.of("", "", "json", "logfmt", "regexp \"plain (?P<rid>r\\\\d+) on (?P<route>/\\\\w+)\"",
                "pattern \"rid=<rid> route=<route> code=<code> took=<took>\"").get(random.nextInt(6));
        int formatted = random.nextInt(4); // 0: line_format, then a filter on the line it writes
        Filter first = filter(random, parser);
        Filter second = random.nextBoolean() ? filter(random, parser) : null;
        boolean or = random.nextBoolean();
        boolean errorFilter = !parser.isEmpty() && random.nextBoolean();
        String line = random.nextInt(3) == 0 ? ROUTES[random.nextInt(ROUTES.length)] : null;
        StringBuilder logql = new StringBuilder("{service=~\"checkout|payments\"}");
        if (line != null) {
            logql.append(" |= \"").append(line).append('"');
        }
        if (!parser.isEmpty()) {
            logql.append(" | ").append(parser);
        }
        logql.append(" | ").append(first.text());
        if (second != null) {
            logql.append(or ? " or " : " and ").append(second.text());
        }
        if (errorFilter) {
            logql.append(" | __error__=\"\"");
        }
        String status = String.valueOf(STATUSES[random.nextInt(STATUSES.length)]);
        if (formatted == 0) {
            logql.append(" | line_format \"{{.status}}: {{__line__}}\" |= \"").append(status).append(": \"");
        }
        return new Case(logql.toString(), record -> {
            if (line != null && !record.message().contains(line)) {
                return null;
            }
            Map<String, String> visible = new HashMap<>(metadata(record));
            boolean error = false;
            if (!parser.isEmpty()) {
                Map<String, String> fields = parsed(record, parser);
                if (fields == null) {
                    error = true;
                } else {
                    fields.forEach((k, v) -> visible.put(visible.containsKey(k) && (k.equals("level")) ? k + "_extracted"
                            : k, v));
                }
            }
            // a numeric filter on a record with an error passes it; one on a field that is not a number sets the error
            boolean[] errorBox = {error};
            Predicate<Filter> holds = f -> {
                if (f.numeric() && errorBox[0]) {
                    return true;
                }
                Boolean r = f.test().apply(visible);
                if (r == null) {
                    errorBox[0] = true;
                    return true;
                }
                return r;
            };
            boolean kept;
            if (second == null) {
                kept = holds.test(first);
            } else if (or) {
                kept = holds.test(first) || holds.test(second);
            } else {
                kept = holds.test(first) && holds.test(second);
            }
            if (!kept || (errorFilter && errorBox[0])) {
                return null;
            }
            if (formatted == 0 && !(visible.getOrDefault("status", "") + ": " + record.message())
                    .contains(status + ": ")) {
                return null;
            }
            return new Outcome(errorBox[0]);
        });
    }

    private String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Test
    void generatedPipelinesAnswerExactlyWhatTheStoredRecordsSay() throws Exception {
        Random random = new Random(20261206);
        int withRecords = 0;
        int refusedMetrics = 0;
        Map<String, Integer> keptBy = new TreeMap<>();
        for (int n = 0; n < 80; n++) {
            Case c = generate(random);
            Map<String, Boolean> expected = new TreeMap<>();
            for (LogRecord record : records) {
                Outcome outcome = c.reference().apply(record);
                if (outcome != null) {
                    Matcher m = RID.matcher(record.message());
                    assertThat(m.find()).isTrue();
                    expected.put("r" + m.group(1), outcome.error());
                }
            }
            HttpResponse<String> response = ApiClient.get(server.getURI(), "/loki/api/v1/query_range?query="
                    + q(c.logql()) + "&start=" + BASE * NS + "&end=" + (BASE + 300_000) * NS + "&limit=5000");
            assertThat(response.statusCode()).as(c.logql() + ": " + response.body()).isEqualTo(200);
            Map<String, Boolean> actual = new TreeMap<>();
            for (JsonNode stream : json.readTree(response.body()).path("data").path("result")) {
                boolean error = stream.path("stream").has("__error__");
                for (JsonNode value : stream.path("values")) {
                    Matcher m = RID.matcher(value.get(1).asText());
                    assertThat(m.find()).as(value.get(1).asText()).isTrue();
                    actual.put("r" + m.group(1), error);
                }
            }
            assertThat(actual).as(c.logql()).isEqualTo(expected);
            withRecords += expected.isEmpty() ? 0 : 1;
            if (!expected.isEmpty()) {
                for (String stage : List.of("| regexp", "| pattern", "| line_format")) {
                    keptBy.merge(stage, c.logql().contains(stage) ? 1 : 0, Integer::sum);
                }
            }

            HttpResponse<String> stats = ApiClient.get(server.getURI(), "/loki/api/v1/index/stats?query="
                    + q(c.logql()) + "&start=" + BASE * NS + "&end=" + (BASE + 300_000) * NS);
            assertThat(stats.statusCode()).as(c.logql() + ": " + stats.body()).isEqualTo(200);
            assertThat(json.readTree(stats.body()).path("entries").asLong()).as(c.logql() + " stats")
                    .isEqualTo(expected.size());

            HttpResponse<String> metric = ApiClient.get(server.getURI(), "/loki/api/v1/query?query="
                    + q("sum(count_over_time(" + c.logql() + " [10m]))") + "&time=" + (BASE + 300_000) * NS);
            if (expected.containsValue(true)) {
                assertThat(metric.statusCode()).as(c.logql() + ": " + metric.body()).isEqualTo(400);
                assertThat(metric.body()).contains("pipeline error");
                refusedMetrics++;
            } else {
                assertThat(metric.statusCode()).as(c.logql() + ": " + metric.body()).isEqualTo(200);
                JsonNode result = json.readTree(metric.body()).path("data").path("result");
                double count = result.isEmpty() ? 0 : result.get(0).path("value").get(1).asDouble();
                assertThat(count).as(c.logql()).isEqualTo(expected.size());
            }
        }
        assertThat(withRecords).as("pipelines that keep some records").isGreaterThan(40);
        assertThat(refusedMetrics).as("metric queries refused for an error").isGreaterThan(0);
        assertThat(keptBy).as("pipelines with each stage that keep some records").allSatisfy((stage, n) ->
                assertThat(n).as(stage).isGreaterThan(2));
    }
}
