package io.logstream.query.rest;

import io.logstream.query.store.Direction;
import io.logstream.query.store.LogQuery;

import io.logstream.query.problem.InvalidParameter;
import io.logstream.query.problem.InvalidRequestException;
import io.logstream.model.LogLevel;
import io.logstream.query.config.QuerySettings;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The query parameters: defaults, every accepted form, and a 400 that names each bad parameter. */
class LogQueryParserTest {
    private final CursorCodec cursors = new CursorCodec(new QuerySettings("t", "s", "a parser-test secret of 32+ characters", 10));
    private final LogQueryParser parser = new LogQueryParser(cursors);

    private static Map<String, List<String>> params(String... nameValue) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            params.computeIfAbsent(nameValue[i], k -> new java.util.ArrayList<>()).add(nameValue[i + 1]);
        }
        return params;
    }

    private List<String> invalid(String service, Map<String, List<String>> params) {
        InvalidRequestException e = catchThrowableOfType(() -> parser.parse(service, params),
                InvalidRequestException.class);
        assertThat(e).as("expected a 400 for %s", params).isNotNull();
        return e.invalidParameters().stream().map(InvalidParameter::name).toList();
    }

    @Test
    void noParametersMeanTheLatestFiftyOfAllLevels() {
        LogQuery query = parser.parse("checkout", Map.of());
        assertThat(query).isEqualTo(new LogQuery("checkout", 50, null, null, Direction.BACKWARD,
                EnumSet.noneOf(LogLevel.class), null));
    }

    @Test
    void everyParameterIsReadInItsAcceptedForms() {
        LogQuery query = parser.parse("api-gateway", params("limit", "1000", "from", "2024-08-07T17:00:00Z",
                "to", "1723053599999", "direction", "FORWARD", "level", "ERROR,fatal", "level", "WARNING"));
        assertThat(query.limit()).isEqualTo(1000);
        assertThat(query.from()).isEqualTo(1723050000000L);
        assertThat(query.to()).isEqualTo(1723053599999L);
        assertThat(query.direction()).isEqualTo(Direction.FORWARD);
        assertThat(query.levels()).containsExactlyInAnyOrder(LogLevel.ERROR, LogLevel.FATAL, LogLevel.WARN);
        assertThat(parser.parse("s", params("from", "2024-08-07T19:00:00+02:00")).from()).isEqualTo(1723050000000L);
    }

    @Test
    void aCursorIssuedForTheQueryGivesItsPosition() {
        LogQuery first = parser.parse("checkout", params("level", "ERROR"));
        String cursor = cursors.encode(first, "1723050000000#rec-1");
        assertThat(parser.parse("checkout", params("level", "ERROR", "cursor", cursor)).after())
                .isEqualTo("1723050000000#rec-1");
        assertThat(invalid("checkout", params("level", "WARN", "cursor", cursor))).containsExactly("cursor");
    }

    @Test
    void eachBadParameterIsNamedInOneProblem() {
        assertThat(invalid("bad service!", params("limit", "0", "from", "yesterday", "direction", "up",
                "level", "LOUD", "colour", "red"))).containsExactlyInAnyOrder("colour", "service", "limit", "from",
                "direction", "level");
        assertThat(invalid("s", params("limit", "1001"))).containsExactly("limit");
        assertThat(invalid("s", params("limit", "+5"))).containsExactly("limit");
        assertThat(invalid("s", params("limit", "99999999999"))).containsExactly("limit");
        assertThat(invalid("s", params("from", "1723053599999", "to", "1723050000000"))).containsExactly("from");
        assertThat(invalid("s", params("limit", "5", "limit", "6"))).containsExactly("limit");
        assertThat(invalid("s", params("level", " ERROR"))).containsExactly("level");
        assertThat(invalid("s", params("level", ""))).containsExactly("level");
    }

    @Test
    void theProblemSaysWhatWasWrongWithoutEchoingLongInput() {
        assertThatThrownBy(() -> parser.parse("s", params("from", "x".repeat(500))))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("from: must be an RFC 3339 date-time")
                .hasMessageContaining("...")
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
    }
}
