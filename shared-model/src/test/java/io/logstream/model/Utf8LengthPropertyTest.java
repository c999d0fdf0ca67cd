package io.logstream.model;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The item size counts UTF-8 bytes from the chars, exactly as encoding would, without encoding. */
class Utf8LengthPropertyTest {

    @Property(tries = 2000)
    void countsWhatTheEncoderProduces(@ForAll String text) {
        assertThat(LogItemMapper.utf8Length(text)).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
    }

    @Example
    void oneTwoThreeAndFourByteCharactersAndLoneSurrogates() {
        for (String text : new String[]{"", "a", "é", "€", "😀", "a😀é€", "\uD800", "\uDC00x", "x\uD83D"}) {
            assertThat(LogItemMapper.utf8Length(text)).as(text).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
        }
    }
}
