package io.logstream.model;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Retention rules: which holds, what a read may see, and what a change keeps hidden. */
class RetentionTest {
    private static final long DAY = Retention.DAY_MILLIS;
    private static final long E = 1_723_050_000_000L; // a minute's end

    @Test
    void theMostSpecificRuleHolds() {
        Retention.RuleSet rules = Retention.RuleSet.parse("checkout:DEBUG=3d, checkout=10d *:TRACE=1d audit=0d", 30);
        assertThat(rules.days("checkout", LogLevel.DEBUG)).isEqualTo(3);
        assertThat(rules.days("checkout", LogLevel.TRACE)).as("the service's rule over *'s").isEqualTo(10);
        assertThat(rules.days("payments", LogLevel.TRACE)).isEqualTo(1);
        assertThat(rules.days("payments", LogLevel.INFO)).as("the default").isEqualTo(30);
        assertThat(rules.days("audit", LogLevel.DEBUG)).as("kept for ever").isZero();
        assertThat(rules.maxDays("checkout")).isEqualTo(10);
        assertThat(rules.maxDays("audit")).isZero();
        assertThat(Retention.RuleSet.parse(rules.text(), 0)).isEqualTo(rules);
    }

    @Test
    void onlyRulesThatAllKeepForEverExpireNothing() {
        Retention forever = Retention.of(Retention.RuleSet.parse("audit=0d", 0));
        assertThat(forever.expiresNothing()).isTrue();
        assertThat(Retention.of(Retention.RuleSet.parse("", 30)).expiresNothing()).isFalse();
        assertThat(Retention.of(Retention.RuleSet.parse("checkout:DEBUG=3d", 0)).expiresNothing()).isFalse();
        Retention changed = Retention.of(Retention.RuleSet.parse("checkout:DEBUG=3d", 0))
                .changedTo(Retention.RuleSet.parse("", 0), E);
        assertThat(changed.expiresNothing()).as("the rules before still hold").isFalse();
        assertThat(changed.jobDone(E + DAY).expiresNothing()).as("and keep hiding what they expired").isFalse();
    }

    @Test
    void everyBadRuleIsNamed() {
        assertThatThrownBy(() -> Retention.RuleSet.parse("checkout:NOISE=3d x=3w *=1d a=1d a=2d", 0))
                .hasMessageContaining("'checkout:NOISE=3d'").hasMessageContaining("'x=3w'")
                .hasMessageContaining("'*=1d'").hasMessageContaining("'a=2d'");
    }

    @Test
    void aRecordIsVisibleWhileItsMinutePlusItsDaysIsAhead() {
        Retention retention = Retention.of(Retention.RuleSet.parse("checkout:DEBUG=3d", 0));
        assertThat(retention.visible("checkout", LogLevel.DEBUG, E, E + 3 * DAY - 1)).isTrue();
        assertThat(retention.visible("checkout", LogLevel.DEBUG, E, E + 3 * DAY)).isFalse();
        assertThat(retention.visible("checkout", LogLevel.INFO, E, E + 3000 * DAY)).isTrue();
        assertThat(retention.expiresAt("checkout", LogLevel.DEBUG, E - 30_000)).isEqualTo((E + 3 * DAY) / 1000);
        assertThat(retention.expiresAt("checkout", LogLevel.INFO, E)).isNull();
        assertThat(retention.countExpiresAt("checkout", E)).as("INFO is kept for ever").isNull();
    }

    @Test
    void aLengthenedRuleNeverShowsWhatTheShorterOneExpired() {
        Retention shorter = Retention.of(Retention.RuleSet.parse("checkout:DEBUG=3d", 0));
        Retention longer = shorter.changedTo(Retention.RuleSet.parse("checkout:DEBUG=10d", 0), E + 4 * DAY);
        // while the job runs, the shorter rule still holds
        assertThat(longer.visible("checkout", LogLevel.DEBUG, E + 2 * DAY, E + 4 * DAY)).isTrue();
        assertThat(longer.visible("checkout", LogLevel.DEBUG, E + 2 * DAY, E + 6 * DAY)).isFalse();
        Retention done = longer.jobDone(E + 5 * DAY);
        assertThat(done.jobPending()).isFalse();
        assertThat(done.visible("checkout", LogLevel.DEBUG, E, E + 5 * DAY)).as("expired before the job was done")
                .isFalse();
        assertThat(done.visible("checkout", LogLevel.DEBUG, E + 3 * DAY, E + 9 * DAY)).as("alive at the job's end")
                .isTrue();
        assertThat(Retention.fromItem(done.toItem(), Retention.RuleSet.parse("", 0)).history())
                .isEqualTo(done.history());
        // and a shortened one hides at once
        Retention shortened = done.changedTo(Retention.RuleSet.parse("checkout:DEBUG=1d", 0), E + 9 * DAY);
        assertThat(shortened.visible("checkout", LogLevel.DEBUG, E + 7 * DAY, E + 9 * DAY)).isFalse();
        assertThat(shortened.history()).hasSize(2);
        assertThat(List.copyOf(shortened.history()).get(1).until()).isNull();
    }
}
