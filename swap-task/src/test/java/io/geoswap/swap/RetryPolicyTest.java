package io.geoswap.swap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geoswap.common.ExitCode;
import io.geoswap.common.GeoswapException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  private static final SQLException LOCK_TIMEOUT = new SQLException("canceling statement due to lock timeout", "55P03");

  @Test
  void runRetriesALockTimeoutAfterABackoffAndReturnsWhatTheAttemptReturns() {
    List<Integer> attempts = new ArrayList<>();
    List<Duration> pauses = new ArrayList<>();
    String result = POLICY.run(n -> {
      attempts.add(n);
      if (n < 3) throw LOCK_TIMEOUT;
      return "swapped on attempt " + n;
    }, "promote of v1", n -> "exhausted", new SplittableRandom(1), pauses::add);
    assertThat(result).isEqualTo("swapped on attempt 3");
    assertThat(attempts).containsExactly(1, 2, 3);
    assertThat(pauses).hasSize(2);
    assertThat(pauses.get(0)).isBetween(Duration.ZERO, Duration.ofMillis(200));
    assertThat(pauses.get(1)).isBetween(Duration.ZERO, Duration.ofMillis(400));
  }

  @Test
  void runGivesUpAfterMaxAttemptsAsTemporaryWithTheCallersMessage() {
    List<Integer> attempts = new ArrayList<>();
    List<Duration> pauses = new ArrayList<>();
    assertThatThrownBy(() -> POLICY.run(n -> {
      attempts.add(n);
      throw LOCK_TIMEOUT;
    }, "adopt of public.mv", n -> "could not lock public.mv within " + n + " attempts", new SplittableRandom(1), pauses::add))
        .isInstanceOfSatisfying(GeoswapException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.TEMPORARY.code()))
        .hasMessage("could not lock public.mv within 5 attempts")
        .hasCause(LOCK_TIMEOUT);
    assertThat(attempts).containsExactly(1, 2, 3, 4, 5);
    assertThat(pauses).as("a pause between attempts, none after the last").hasSize(4);
  }

  @Test
  void runTranslatesAnyOtherFailureAtOnceWithoutRetrying() {
    List<Integer> attempts = new ArrayList<>();
    assertThatThrownBy(() -> POLICY.run(n -> {
      attempts.add(n);
      throw new SQLException("relation \"x\" does not exist", "42P01");
    }, "promote of v1", n -> "exhausted", new SplittableRandom(1), d -> { throw new AssertionError("no pause"); }))
        .isInstanceOf(GeoswapException.class)
        .hasMessageContaining("promote of v1");
    assertThat(attempts).containsExactly(1);
  }
}
