package io.geoswap.swap;

import io.geoswap.common.GeoswapException;
import io.geoswap.common.db.DbErrors;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a swap retries when the view's lock isn't granted in time: each attempt waits at most
 * {@code lockTimeout} for its locks (readers queue behind that request at most that long; PostgreSQL docs,
 * "13.3.1. Table-Level Locks": ACCESS EXCLUSIVE conflicts with ACCESS SHARE), and an attempt that times out
 * (SQLSTATE 55P03, lock_not_available) is retried after a full-jitter exponential backoff, up to
 * {@code maxAttempts} attempts in all ({@link #run}: promote's and rollback's swap, adopt and its undo). The
 * retention drops use the same {@code lockTimeout}, without retries.
 *
 * @param maxAttempts attempts at the swap before giving up (exit 75, the old version still live)
 * @param lockTimeout how long one attempt (one drop) may wait for a lock
 * @param backoffBase first backoff between attempts; doubles each time, with full jitter
 * @param backoffMax cap of one backoff
 */
public record RetryPolicy(int maxAttempts, Duration lockTimeout, Duration backoffBase, Duration backoffMax) {
  /** PostgreSQL's lock_not_available: a lock wasn't granted within lock_timeout. */
  static final String LOCK_NOT_AVAILABLE = "55P03";
  private static final Logger LOG = LoggerFactory.getLogger(RetryPolicy.class);

  /** One attempt (1-based), typically one transaction; throws SQLState 55P03 when a lock isn't granted in time. */
  @FunctionalInterface
  interface Attempt<T> {
    T run(int attempt) throws SQLException;
  }

  /**
   * Runs {@code attempt} until it succeeds, retrying a lock timeout after {@link #backoff} while attempts are
   * left. Any other failure is translated at once ({@code doing} names what failed); when the attempts run out,
   * a temporary error (exit 75) with the message {@code exhausted} makes of their number.
   */
  <T> T run(Attempt<T> attempt, String doing, IntFunction<String> exhausted, RandomGenerator random) {
    return run(attempt, doing, exhausted, random, Pause::sleep);
  }

  /** As {@link #run(Attempt, String, IntFunction, RandomGenerator)}, pausing with {@code pause} (tests). */
  <T> T run(Attempt<T> attempt, String doing, IntFunction<String> exhausted, RandomGenerator random,
      Consumer<Duration> pause) {
    for (int n = 1; ; n++) {
      try {
        return attempt.run(n);
      } catch (SQLException e) {
        if (!LOCK_NOT_AVAILABLE.equals(e.getSQLState())) throw DbErrors.translate(doing, e);
        if (!retries(e, n)) throw GeoswapException.temporary(exhausted.apply(n), e);
        Duration wait = backoff(n + 1, random);
        LOG.warn("{}: attempt {}: a lock was not granted within {} ms; retrying in {} ms", doing, n,
            lockTimeout.toMillis(), wait.toMillis());
        pause.accept(wait);
      }
    }
  }

  /** Whether attempt {@code attempt} (1-based), which failed with {@code e}, is followed by another. */
  boolean retries(SQLException e, int attempt) {
    return LOCK_NOT_AVAILABLE.equals(e.getSQLState()) && attempt < maxAttempts;
  }

  /**
   * Full-jitter exponential backoff before attempt {@code attempt} (1-based, ≥ 2): uniform in [0, min(max,
   * base · 2^(attempt-2))] ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015).
   */
  Duration backoff(int attempt, RandomGenerator random) {
    long cap = Math.min(backoffMax.toMillis(), backoffBase.toMillis() << Math.min(attempt - 2, 20));
    return Duration.ofMillis(random.nextLong(Math.max(1, cap) + 1));
  }
}
