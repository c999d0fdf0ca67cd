package io.logstream.query.loki;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Which service selectors need the catalogue. */
class SelectorReaderTest {

    @Test
    void anAlternationOfLiteralNamesNeedsNoCatalogue() {
        assertThat(SelectorReader.literalAlternation("checkout|api\\.gateway|a-b")).isEqualTo(
                Set.of("checkout", "api.gateway", "a-b"));
        for (String regex : List.of("check.*", "a|", "(a|b)", "a+", "[ab]", "^a$", "a\\d")) {
            assertThat(SelectorReader.literalAlternation(regex)).as(regex).isNull();
        }
    }
}
