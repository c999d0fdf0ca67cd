package io.logstream.query.rest;

import io.logstream.query.store.Direction;
import io.logstream.query.store.LogQuery;

import io.logstream.model.LogLevel;
import io.logstream.query.config.QuerySettings;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Cursors are opaque, signed, bound to their query, and refuse anything altered or foreign. */
class CursorCodecTest {
    private static final String POSITION = "1723050000000#rec-1";
    private final CursorCodec codec = new CursorCodec(new QuerySettings("t", "s", "a secret for the tests, 32 characters or more", 10));
    private final LogQuery query = query("checkout", null, null, Direction.BACKWARD, EnumSet.noneOf(LogLevel.class));

    private static LogQuery query(String service, Long from, Long to, Direction direction, Set<LogLevel> levels) {
        return new LogQuery(service, 50, from, to, direction, levels, null);
    }

    @Test
    void aCursorDecodesToItsPositionForTheSameQueryWhateverThePageSize() {
        String cursor = codec.encode(query, POSITION);
        assertThat(cursor).doesNotContain(POSITION).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        assertThat(codec.decode(query, cursor)).contains(POSITION);
        LogQuery biggerPage = new LogQuery("checkout", 500, null, null, Direction.BACKWARD, Set.of(), null);
        assertThat(codec.decode(biggerPage, cursor)).contains(POSITION);
    }

    @Test
    void aCursorIsRefusedForAnyOtherQuery() {
        String cursor = codec.encode(query, POSITION);
        assertThat(codec.decode(query("payments", null, null, Direction.BACKWARD, Set.of()), cursor)).isEmpty();
        assertThat(codec.decode(query("checkout", 1L, null, Direction.BACKWARD, Set.of()), cursor)).isEmpty();
        assertThat(codec.decode(query("checkout", null, 9L, Direction.BACKWARD, Set.of()), cursor)).isEmpty();
        assertThat(codec.decode(query("checkout", null, null, Direction.FORWARD, Set.of()), cursor)).isEmpty();
        assertThat(codec.decode(query("checkout", null, null, Direction.BACKWARD, Set.of(LogLevel.ERROR)), cursor))
                .isEmpty();
    }

    @Test
    void anAlteredForgedOrMalformedCursorIsRefused() {
        String cursor = codec.encode(query, POSITION);
        int dot = cursor.indexOf('.');
        String payload = new String(Base64.getUrlDecoder().decode(cursor.substring(0, dot)), StandardCharsets.UTF_8);
        String moved = Base64.getUrlEncoder().withoutPadding().encodeToString(
                payload.replace(POSITION, "1723059999999#rec-9").getBytes(StandardCharsets.UTF_8));
        assertThat(codec.decode(query, moved + cursor.substring(dot))).as("payload changed, signature kept").isEmpty();
        char last = cursor.charAt(cursor.length() - 1);
        assertThat(codec.decode(query, cursor.substring(0, cursor.length() - 1) + (last == 'A' ? 'B' : 'A')))
                .as("signature changed").isEmpty();
        CursorCodec otherKey = new CursorCodec(new QuerySettings("t", "s", "another secret, also 32 characters or more", 10));
        assertThat(otherKey.decode(query, cursor)).as("signed with another key").isEmpty();
        for (String junk : new String[]{"", ".", "abc", "a.b.c", "!!!.???", cursor + ".x", "." + cursor}) {
            assertThat(codec.decode(query, junk)).as("'%s'", junk).isEmpty();
        }
    }

    @Test
    void aGenuinelySignedCursorWithAnImpossiblePositionIsRefused() {
        assertThat(codec.decode(query, codec.encode(query, "not-a-sort-key"))).isEmpty();
        assertThat(codec.decode(query, codec.encode(query, "1723050000000#bad id!"))).isEmpty();
    }

    @Test
    void withoutAConfiguredSecretEachProcessHasItsOwnKey() {
        CursorCodec first = new CursorCodec(new QuerySettings("t", "s", null, 10));
        CursorCodec second = new CursorCodec(new QuerySettings("t", "s", "", 10));
        String cursor = first.encode(query, POSITION);
        assertThat(first.decode(query, cursor)).contains(POSITION);
        assertThat(second.decode(query, cursor)).isEmpty();
    }
}
