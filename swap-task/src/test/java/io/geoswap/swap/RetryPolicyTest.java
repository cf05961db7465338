package io.geoswap.swap;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The swap's retry policy: what is retried, how often, and how long it waits in between. */
class RetryPolicyTest {
  private static final RetryPolicy POLICY = new RetryPolicy(5, Duration.ofSeconds(2), Duration.ofMillis(200),
      Duration.ofSeconds(5));

  @Test
  void onlyALockTimeoutIsRetriedAndOnlyUntilTheAttemptsRunOut() {
    SQLException lockTimeout = new SQLException("canceling statement due to lock timeout", "55P03");
    assertThat(POLICY.retries(lockTimeout, 1)).isTrue();
    assertThat(POLICY.retries(lockTimeout, 4)).isTrue();
    assertThat(POLICY.retries(lockTimeout, 5)).as("the fifth of 5 attempts is the last").isFalse();
    assertThat(POLICY.retries(new SQLException("deadlock", "40P01"), 1)).isFalse();
    assertThat(POLICY.retries(new SQLException("statement timeout", "57014"), 1)).isFalse();
  }

  @Test
  void theBackoffCapDoublesFromTheBaseUpToTheMax() {
    // A generator that always returns its bound's upper end shows the cap itself.
    RandomGenerator highest = new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException();
      }

      @Override
      public long nextLong(long bound) {
        return bound - 1;
      }
    };
    assertThat(POLICY.backoff(2, highest)).isEqualTo(Duration.ofMillis(200));
    assertThat(POLICY.backoff(3, highest)).isEqualTo(Duration.ofMillis(400));
    assertThat(POLICY.backoff(4, highest)).isEqualTo(Duration.ofMillis(800));
    assertThat(POLICY.backoff(7, highest)).isEqualTo(Duration.ofMillis(5000));
    assertThat(POLICY.backoff(100, highest)).as("no overflow for large attempts").isEqualTo(Duration.ofMillis(5000));
  }

  @Test
  void theBackoffIsFullJitterBetweenZeroAndTheCapAndRepeatsForASeed() {
    for (int attempt = 2; attempt <= 8; attempt++) {
      long cap = Math.min(5000, 200L << (attempt - 2));
      SplittableRandom random = new SplittableRandom(42);
      for (int i = 0; i < 200; i++) {
        assertThat(POLICY.backoff(attempt, random)).isBetween(Duration.ZERO, Duration.ofMillis(cap));
      }
      assertThat(POLICY.backoff(attempt, new SplittableRandom(7)))
          .isEqualTo(POLICY.backoff(attempt, new SplittableRandom(7)));
    }
  }
}
