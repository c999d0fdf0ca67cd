package io.logstream.consumer.core;

import io.logstream.model.Buckets;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The bucket decisions alone, on given heat and tables: no DynamoDB, no clock. */
class BucketPolicyTest {
    /** 1,000 units a key, grow past 80 %, size for 50 %, at most 64, shrink after 60 s. */
    private static final BucketPolicy.Limits LIMITS = new BucketPolicy.Limits(true, 1_000, 0.8, 0.5, 64, 60_000);
    private static final long NOW = 1_000_000_000L;

    private static Map<String, Buckets.Table> table(String service, int count) {
        return Map.of(service, Buckets.Table.of(List.of(new Buckets.Epoch(0, count))));
    }

    @Test
    void aServiceNearTheKeyLimitGrowsToWhatItsRateNeedsAtTheTarget() {
        BucketPolicy policy = new BucketPolicy(LIMITS, Map.of());
        // 3,600 units a second: at 500 a bucket it needs 8 (the next power of two over 7.2)
        assertThat(policy.decide(Map.of("checkout", new BucketPolicy.Heat(3_600, 0)), Map.of(), NOW, 1.0))
                .containsExactly(new BucketPolicy.Decision("checkout", 8, "near-limit"));
        assertThat(policy.decide(Map.of("checkout", new BucketPolicy.Heat(700, 0)), Map.of(), NOW, 1.0))
                .as("under 80 % of one key").isEmpty();
    }

    @Test
    void throttlingGrowsFourfoldAndNeverPastTheMaximum() {
        BucketPolicy policy = new BucketPolicy(LIMITS, Map.of());
        assertThat(policy.decide(Map.of("a", new BucketPolicy.Heat(10, 3)), table("a", 2), NOW, 1.0))
                .containsExactly(new BucketPolicy.Decision("a", 8, "throttled"));
        assertThat(policy.decide(Map.of("a", new BucketPolicy.Heat(10, 3)), table("a", 32), NOW, 1.0))
                .containsExactly(new BucketPolicy.Decision("a", 64, "throttled"));
        assertThat(policy.decide(Map.of("a", new BucketPolicy.Heat(10, 3)), table("a", 64), NOW, 1.0)).isEmpty();
    }

    @Test
    void aCoolServiceShrinksOnlyAfterItHasFitAQuarterOfItsBucketsForTheShrinkTime() {
        BucketPolicy policy = new BucketPolicy(LIMITS, Map.of());
        Map<String, BucketPolicy.Heat> cool = Map.of("a", new BucketPolicy.Heat(100, 0));
        assertThat(policy.decide(cool, table("a", 16), NOW, 1.0)).isEmpty();
        assertThat(policy.decide(cool, table("a", 16), NOW + 59_999, 1.0)).isEmpty();
        assertThat(policy.decide(cool, table("a", 16), NOW + 60_000, 1.0))
                .containsExactly(new BucketPolicy.Decision("a", 1, "cooled"));
    }

    @Test
    void aPinWinsAndADecisionWaitsForTheGapAndForItsEpochToStart() {
        BucketPolicy policy = new BucketPolicy(LIMITS, Map.of("audit", 4));
        assertThat(policy.decide(Map.of("audit", new BucketPolicy.Heat(0, 9)), Map.of(), NOW, 1.0))
                .containsExactly(new BucketPolicy.Decision("audit", 4, "pinned"));
        policy.appended("audit", NOW);
        assertThat(policy.decide(Map.of(), Map.of(), NOW + BucketPolicy.MIN_DECISION_GAP_MILLIS - 1, 1.0))
                .as("within the gap").isEmpty();
        assertThat(policy.decide(Map.of(), table("audit", 4), NOW + BucketPolicy.MIN_DECISION_GAP_MILLIS, 1.0))
                .as("the table agrees with the pin").isEmpty();
        Map<String, Buckets.Table> future = Map.of("b", Buckets.Table.of(List.of(new Buckets.Epoch(0, 1),
                new Buckets.Epoch(NOW + 5_000, 2))));
        assertThat(policy.decide(Map.of("b", new BucketPolicy.Heat(0, 5)), future, NOW, 1.0))
                .as("an epoch not yet started").isEmpty();
    }

    @Test
    void withAutomaticShardingOffOnlyPinsDecide() {
        BucketPolicy policy = new BucketPolicy(new BucketPolicy.Limits(false, 1_000, 0.8, 0.5, 64, 60_000), Map.of());
        assertThat(policy.decide(Map.of("a", new BucketPolicy.Heat(50_000, 10)), Map.of(), NOW, 1.0)).isEmpty();
        assertThat(BucketPolicy.powerOfTwoAtLeast(0)).isEqualTo(1);
        assertThat(BucketPolicy.powerOfTwoAtLeast(9)).isEqualTo(16);
    }
}
