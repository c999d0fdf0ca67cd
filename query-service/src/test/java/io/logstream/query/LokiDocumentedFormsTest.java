package io.logstream.query;

import io.logstream.model.LedgerKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/loki.md's table of LogQL forms, run against the API: a {@code served} form is answered (200), a {@code 400}
 * form is refused with a message that contains the text its row quotes. scripts/check-logql-grammar.sh checks the
 * same rows against Grafana's grammar, so the table stays true on both sides.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LokiDocumentedFormsTest implements TestPropertyProvider {
    private static final long BASE = 1723050000000L;
    private static final long NS = 1_000_000L;

    private final ReadsFixture fixture = ReadsFixture.create("forms");

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        List<LogRecord> records = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            records.add(new LogRecord(i % 2 == 0 ? "checkout" : "payments", LogLevel.values()[i % 6],
                    (i % 3 == 0 ? "timeout calling db-" : "handled ") + i, BASE + i * 1000L, "id-" + i, null,
                    "web-" + i % 2, Map.of("status", new java.math.BigDecimal(i % 4 == 0 ? 503 : 200)), null));
        }
        fixture.store(records);
        fixture.catalogue(LedgerKeys.SERVICES_PK, "checkout", BASE);
        fixture.catalogue(LedgerKeys.SERVICES_PK, "payments", BASE);
        return fixture.queryProperties();
    }

    private record Form(String construct, String kind, String query, String answer) {
    }

    private static List<Form> documentedForms() throws Exception {
        String doc = Files.readString(Path.of("../docs/loki.md"));
        String table = doc.split("<!-- logql-forms -->")[1].split("<!-- /logql-forms -->")[0].trim();
        List<Form> forms = new ArrayList<>();
        for (String line : table.lines().skip(2).toList()) {
            String[] cells = Arrays.stream(line.trim().replaceAll("^\\||\\|$", "").split("(?<!\\\\)\\|"))
                    .map(cell -> cell.trim().replace("\\|", "|")).toArray(String[]::new);
            forms.add(new Form(cells[0], cells[1], cells[2].replaceAll("^`|`$", ""), cells[3]));
        }
        return forms;
    }

    @Test
    void everyDocumentedFormIsServedOrRefusedAsTheTableSays() throws Exception {
        List<Form> forms = documentedForms();
        assertThat(forms).hasSizeGreaterThan(20);
        assertThat(forms).extracting(Form::answer).contains("served");
        for (Form form : forms) {
            String path = "/loki/api/v1/query_range?query=" + URLEncoder.encode(form.query(), StandardCharsets.UTF_8)
                    + "&start=" + BASE * NS + "&end=" + (BASE + 60_000) * NS + "&step=10s&limit=100";
            HttpResponse<String> response = ApiClient.get(server.getURI(), path);
            if (form.answer().equals("served")) {
                assertThat(response.statusCode()).as(form.construct() + ": " + response.body()).isEqualTo(200);
                assertThat(response.body()).as(form.construct())
                        .contains(form.kind().equals("log") ? "\"resultType\":\"streams\"" : "\"resultType\":\"matrix\"");
            } else {
                String quoted = form.answer().replaceAll("^400 `|`$", "");
                assertThat(form.answer()).as(form.construct()).startsWith("400 `");
                assertThat(response.statusCode()).as(form.construct() + ": " + response.body()).isEqualTo(400);
                assertThat(response.body()).as(form.construct()).contains(quoted);
            }
        }
    }
}
